'use strict';
// Validates every entity of Backstage catalogue files the way a Backstage catalogue does,
// with the Backstage project's own @backstage/catalog-model: the entity policies (default
// namespace, no foreign root fields, field formats, the envelope and entity schemas), then
// the validator of the entity's kind. The files are read with the `yaml` package, as
// multi-document YAML.
//
//   node validate_backstage.cjs NODE_MODULES_PARENT FILE...
//
// Prints JSON: for each file, one {kind, name, errors} per document; exit 0 when it ran.
const fs = require('node:fs');
const path = require('node:path');
const { createRequire } = require('node:module');

const [modules, ...files] = process.argv.slice(2);
const load = createRequire(path.join(path.resolve(modules), 'package.json'));
const model = load('@backstage/catalog-model');
const YAML = load('yaml');

const policies = model.EntityPolicies.allOf([
  new model.DefaultNamespaceEntityPolicy(),
  new model.NoForeignRootFieldsEntityPolicy(),
  new model.FieldFormatEntityPolicy(),
  new model.SchemaValidEntityPolicy(),
]);
const validators = {
  Component: model.componentEntityV1alpha1Validator,
  Resource: model.resourceEntityV1alpha1Validator,
  User: model.userEntityV1alpha1Validator,
  Group: model.groupEntityV1alpha1Validator,
};

async function validate(entity) {
  const errors = [];
  try {
    await policies.enforce(entity);
  } catch (error) {
    errors.push(`policy: ${error.message}`);
  }
  const validator = validators[entity.kind];
  if (!validator) {
    errors.push(`no validator for kind ${entity.kind}`);
    return errors;
  }
  try {
    if (!(await validator.check(entity))) errors.push(`${entity.kind}: not of this kind`);
  } catch (error) {
    errors.push(`${entity.kind}: ${error.message}`);
  }
  return errors;
}

async function main() {
  const report = {};
  for (const file of files) {
    const entries = [];
    for (const document of YAML.parseAllDocuments(fs.readFileSync(file, 'utf8'))) {
      const errors = document.errors.map((error) => `yaml: ${error.message}`);
      const entity = errors.length ? null : document.toJS();
      if (entity) errors.push(...(await validate(entity)));
      entries.push({ kind: entity?.kind ?? null, name: entity?.metadata?.name ?? null, errors });
    }
    report[file] = entries;
  }
  process.stdout.write(JSON.stringify(report));
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(3);
});
