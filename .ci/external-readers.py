"""Tools none of us wrote read what gately-mock produces: the OpenAPI document must pass
openapi-spec-validator, and each JUnit report (`check`'s, `replay`'s) must be valid against
junit-10.xsd (the schema Jenkins, Surefire and pytest follow; the copy pytest's source
ships) and be read by junitparser with the counts it printed. Run by .ci/run after the test
suite (arguments: the OpenAPI document, the XSD, then the JUnit reports)."""
import sys

import xmlschema
from junitparser import Failure, JUnitXml, Skipped
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename

openapi_path, xsd_path, *junit_paths = sys.argv[1:]

spec, _ = read_from_filename(openapi_path)
validate(spec)
print(f"openapi-spec-validator: {openapi_path} is a valid OpenAPI {spec['openapi']} document "
      f"({len(spec['paths'])} paths)")

schema = xmlschema.XMLSchema(xsd_path)
for junit_path in junit_paths:
    report = JUnitXml.fromfile(junit_path)
    cases = [case for suite in report for case in suite]
    failures = sum(1 for case in cases if any(isinstance(r, Failure) for r in case.result))
    skipped = sum(1 for case in cases if any(isinstance(r, Skipped) for r in case.result))
    assert cases, f"{junit_path}: the JUnit report has test cases"
    assert failures == report.failures, (junit_path, failures, report.failures)
    assert skipped == report.skipped, (junit_path, skipped, report.skipped)
    print(f"junitparser: {junit_path}: {len(cases)} test cases, {failures} failures, {skipped} skipped")
    schema.validate(junit_path)
    print(f"xmlschema: {junit_path} is valid against {xsd_path.rsplit('/', 1)[-1]}")
