"""The readers of the exports work offline: huggingface_hub reads HF_HUB_OFFLINE when it
is imported, so it is set before any test module imports it."""

from __future__ import annotations

import os

os.environ["HF_HUB_OFFLINE"] = "1"
