// Validates a FHIR R4 Bundle that rfneedled exported (GET /api/v1/sessions/{id}/export?
// format=fhir) with the `fhir` package's validator (FHIR.js, R4 definitions), unexpected
// properties counted as errors, and checks the bundle holds what docs/api.md says: a
// Procedure for the session, Devices for the handpiece and the cartridge, Observations.
//
//   node tests/fhir/validate.cjs BUNDLE.json
//
// Prints every message of the validator; exits 0 when the bundle is valid, 1 when it is
// not (each problem on stderr), 2 on a usage error.
"use strict";
const fs = require("node:fs");
const { Fhir } = require("fhir");

function main(argv) {
  if (argv.length !== 1) {
    console.error("usage: node validate.cjs BUNDLE.json");
    return 2;
  }
  let bundle;
  try {
    bundle = JSON.parse(fs.readFileSync(argv[0], "utf8"));
  } catch (e) {
    console.error(`${argv[0]}: not a JSON file: ${e.message}`);
    return 2;
  }
  const problems = [];
  const result = new Fhir().validate(bundle, { errorOnUnexpected: true });
  for (const m of result.messages) {
    const line = `${m.severity}: ${m.location ?? ""}: ${m.message}`;
    console.log(line);
    if (m.severity === "error") problems.push(line);
  }
  if (!result.valid) problems.push("the validator found the bundle invalid");
  if (bundle.resourceType !== "Bundle") problems.push(`resourceType is ${bundle.resourceType}, not Bundle`);
  const kinds = (bundle.entry ?? []).map((e) => e.resource?.resourceType);
  const count = (kind) => kinds.filter((k) => k === kind).length;
  if (count("Procedure") !== 1) problems.push(`${count("Procedure")} Procedure resources, not 1`);
  if (count("Device") < 2) problems.push(`${count("Device")} Device resources: the handpiece and the cartridge need 2`);
  if (count("Observation") < 1) problems.push("no Observation resource");
  for (const p of problems) console.error(p);
  console.log(`${kinds.length} resources (${[...new Set(kinds)].join(", ")}): ${problems.length ? "INVALID" : "valid"}`);
  return problems.length ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
