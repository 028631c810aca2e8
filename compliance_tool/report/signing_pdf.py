"""Sign rendered reports: PAdES baseline signatures with a visible, PDF/A-safe stamp
(signer, UTC signing time, meaning) drawn with an embedded DejaVu Sans subset.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from compliance_tool.errors import SigningError
from compliance_tool.report.signing_config import SigningConfig
from compliance_tool.report.signing_keys import LoadedSigner

FIELD_NAME = "ComplianceSignature"
SIGNATURE_BOX = (42, 56, 342, 126)
"""The visible signature on the last page: (left, bottom, right, top) in PDF points.

A 300 x 70 pt box at the bottom left, above a footer of up to 56 pt; a report keeps
this area of its last page free (e.g. ``@page :last { margin-bottom: 130pt }``)."""

STAMP_TEXT = "Digitally signed by %(signer)s\nTime: %(ts)s\nMeaning: %(meaning)s"
STAMP_FONT_SIZE = 9
STAMP_LEADING = 12
STAMP_TIME_FORMAT = "%Y-%m-%d %H:%M:%S UTC"
DEJAVU_SANS = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def stamp_font_path() -> Path:
    """DejaVu Sans: the system copy (fonts-dejavu-core), else matplotlib's bundled one."""
    if DEJAVU_SANS.is_file():
        return DEJAVU_SANS
    import matplotlib

    bundled = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    if bundled.is_file():
        return bundled
    raise SigningError(
        "no DejaVu Sans font to draw the signature stamp with",
        hint="install the Debian package fonts-dejavu-core",
    )


def stamp_font(path: Path, text: str) -> bytes:
    """The stamp font, made ready for pyHanko: the glyphs of ``text``, 1000 units per em.

    pyHanko writes a TrueType font's advance widths into /W (and its TJ adjustments) in
    font units, where PDF expects thousandths of an em; DejaVu Sans has 2048 units per
    em, so its text would be drawn twice as wide, and /W would disagree with the
    embedded program (a PDF/A violation). Subsetting to the stamp's characters first
    keeps the rescaling fast; hinting is dropped (its programs assume the old grid), as
    are the FontForge and MATH tables the subsetter cannot handle.
    """
    from fontTools import subset, ttLib
    from fontTools.ttLib.scaleUpem import scale_upem

    font = ttLib.TTFont(io.BytesIO(path.read_bytes()))
    options = subset.Options()
    options.hinting = False
    options.drop_tables += ["FFTM", "MATH"]
    subsetter = subset.Subsetter(options=options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    if font["head"].unitsPerEm != 1000:
        scale_upem(font, 1000)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _font_factory(font_bytes: bytes) -> Any:
    """A GlyphAccumulatorFactory over font bytes in memory.

    pyHanko's own factory opens the font file and never closes it (a ResourceWarning
    when it is collected).
    """
    try:
        from pyhanko.pdf_utils.font.opentype import GlyphAccumulator, GlyphAccumulatorFactory
    except ImportError:
        raise SigningError(
            "the signature stamp needs pyHanko's OpenType support (uharfbuzz)",
            hint="pip install 'pyHanko[opentype]'",
        ) from None

    @dataclass(frozen=True)
    class InMemoryGlyphAccumulatorFactory(GlyphAccumulatorFactory):
        def create_font_engine(self, writer: Any, obj_stream: Any = None) -> GlyphAccumulator:
            if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
                obj_stream = writer.prepare_object_stream()
            return GlyphAccumulator(
                writer=writer,
                font_handle=io.BytesIO(font_bytes),
                font_size=self.font_size,
                ot_script_tag=self.ot_script_tag,
                ot_language_tag=self.ot_language_tag,
                writing_direction=self.writing_direction,
                bcp47_lang_code=self.bcp47_lang_code,
                obj_stream=obj_stream,
            )

    # the engine's size must equal the text box's, or lines drift (pyHanko issue #733)
    return InMemoryGlyphAccumulatorFactory(font_file="<memory>", font_size=STAMP_FONT_SIZE)


def _stamp_text_params(loaded: LoadedSigner, config: SigningConfig, when: datetime) -> dict:
    return {
        "signer": loaded.name,
        "ts": when.strftime(STAMP_TIME_FORMAT),
        "meaning": config.meaning,
    }


def _stamp_style(text: str) -> Any:
    from pyhanko.pdf_utils.text import TextBoxStyle
    from pyhanko.stamp import TextStampStyle

    return TextStampStyle(
        stamp_text=STAMP_TEXT,
        timestamp_format=STAMP_TIME_FORMAT,
        text_box_style=TextBoxStyle(
            font=_font_factory(stamp_font(stamp_font_path(), text)),
            font_size=STAMP_FONT_SIZE,
            leading=STAMP_LEADING,
        ),
        border_width=1,
        background=None,
    )


def _pdf_signer(
    loaded: LoadedSigner, config: SigningConfig, signing_time: datetime, timestamper: Any
) -> Any:
    from pyhanko.sign import fields, signers
    from pyhanko.sign.signers import constants

    class TimedPdfSigner(signers.PdfSigner):
        """PdfSigner that signs at the given time and keeps the PDF version at 1.7.

        pyHanko declares ECDSA P-256/P-384 signatures through the ISO/TS 32002 extension,
        which raises the document to PDF 2.0; PDF/A-3 is based on PDF 1.7, so only the
        PAdES (ESIC) extension is declared, as PAdES on PDF 1.7 does.
        """

        def register_extensions(self, pdf_out: Any, *, md_algorithm: str) -> None:
            pdf_out.ensure_output_version(version=(1, 7))
            if pdf_out.output_version < (2, 0):
                pdf_out.register_extension(constants.ESIC_EXTENSION_1)

        def init_signing_session(self, pdf_out: Any, existing_fields_only: bool = False) -> Any:
            session = super().init_signing_session(
                pdf_out, existing_fields_only=existing_fields_only
            )
            session.system_time = signing_time
            return session

    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=config.meaning,
        location=config.location,
        name=loaded.name,
    )
    return TimedPdfSigner(
        meta,
        signer=loaded.signer,
        timestamper=timestamper,
        stamp_style=_stamp_style(STAMP_TEXT % _stamp_text_params(loaded, config, signing_time)),
        new_field_spec=fields.SigFieldSpec(
            sig_field_name=FIELD_NAME, on_page=-1, box=SIGNATURE_BOX
        ),
    )


def _align_producer(writer: Any) -> None:
    """Keep the info dictionary equal to the XMP metadata, as PDF/A requires.

    pyHanko appends itself to the info dictionary's /Producer but writes only itself to
    XMP pdf:Producer; so /Producer becomes pyHanko's name, and the original producer
    (WeasyPrint) moves to xmp:CreatorTool unless the document names a creator already.
    """
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.metadata.model import VENDOR

    try:
        info = writer.trailer["/Info"]
    except KeyError:
        return
    producer = str(info.get("/Producer", ""))
    if producer == VENDOR:
        return
    if producer and "/Creator" not in info and VENDOR not in producer:
        writer.document_meta.creator = producer
    info["/Producer"] = generic.TextStringObject(VENDOR)
    writer.update_container(info)


def _sign_once(
    pdf: bytes,
    loaded: LoadedSigner,
    config: SigningConfig,
    signing_time: datetime,
    timestamper: Any,
) -> bytes:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.misc import PdfError

    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    except (PdfError, ValueError, KeyError, IndexError) as exc:
        raise SigningError(f"cannot read the PDF to sign: {exc}") from None
    _align_producer(writer)
    signer = _pdf_signer(loaded, config, signing_time, timestamper)
    out = io.BytesIO()
    signer.sign_pdf(writer, appearance_text_params={"meaning": config.meaning}, output=out)
    return out.getvalue()


def _reason(exc: BaseException) -> str:
    """The root cause of a failed request, e.g. "Connection refused"."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    for item in reversed(chain):
        if isinstance(item, OSError) and item.strerror:
            return str(item.strerror)
    return str(chain[-1]) or type(chain[-1]).__name__


def sign_pdf(
    pdf: bytes,
    loaded: LoadedSigner,
    config: SigningConfig,
    signing_time: datetime,
    *,
    notices: list[str] | None = None,
) -> bytes:
    """Sign ``pdf`` as one incremental update and return the signed bytes.

    PAdES baseline B-B (B-T with ``config.tsa_url``), SHA-256, ``config.meaning`` as the
    reason, and a visible stamp (signer, UTC signing time, meaning) in
    :data:`SIGNATURE_BOX` of the last page, drawn with an embedded DejaVu Sans subset.
    When the TSA cannot be reached and ``config.allow_without_tsa`` holds, the PDF is
    signed without a time-stamp and a sentence saying so is appended to ``notices``.
    """
    from pyhanko.sign.general import SigningError as PyHankoSigningError
    from pyhanko.sign.timestamps import TimestampRequestError

    if signing_time.tzinfo is None:
        signing_time = signing_time.replace(tzinfo=UTC)
    signing_time = signing_time.astimezone(UTC)
    timestamper = None
    if config.tsa_url:
        from pyhanko.sign.timestamps.requests_client import RequestsHTTPTimeStamper

        timestamper = RequestsHTTPTimeStamper(config.tsa_url, timeout=10)
    try:
        return _sign_once(pdf, loaded, config, signing_time, timestamper)
    except (TimestampRequestError, OSError) as exc:
        if timestamper is None:
            raise
        if not config.allow_without_tsa:
            raise SigningError(
                f"the time-stamp authority {config.tsa_url} cannot be reached: {_reason(exc)}",
                hint="check COMPLIANCE_TOOL_TSA_URL / signing.tsa_url, or allow signing "
                "without a time-stamp",
            ) from None
    except PyHankoSigningError as exc:
        raise SigningError(f"pyHanko cannot sign the PDF: {exc}") from None
    if notices is not None:
        notices.append(
            f"the time-stamp authority {config.tsa_url} cannot be reached: signed without a "
            "time-stamp (PAdES B-B; the signing time is the signer's claim)"
        )
    return _sign_once(pdf, loaded, config, signing_time, None)
