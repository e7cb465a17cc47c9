"""Tools none of us wrote read what gately-mock produces: the OpenAPI document must pass
openapi-spec-validator, and the JUnit report must be valid against junit-10.xsd (the
schema Jenkins, Surefire and pytest follow; the copy pytest's source ships) and be read by
junitparser with the counts `check` printed. Run by .ci/run after the test suite
(arguments: the two files and the XSD)."""
import sys

import xmlschema
from junitparser import Failure, JUnitXml, Skipped
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename

openapi_path, junit_path, xsd_path = sys.argv[1], sys.argv[2], sys.argv[3]

spec, _ = read_from_filename(openapi_path)
validate(spec)
print(f"openapi-spec-validator: {openapi_path} is a valid OpenAPI {spec['openapi']} document "
      f"({len(spec['paths'])} paths)")

report = JUnitXml.fromfile(junit_path)
cases = [case for suite in report for case in suite]
failures = sum(1 for case in cases if any(isinstance(r, Failure) for r in case.result))
skipped = sum(1 for case in cases if any(isinstance(r, Skipped) for r in case.result))
assert cases, "the JUnit report has test cases"
assert failures == report.failures, (failures, report.failures)
assert skipped == report.skipped, (skipped, report.skipped)
print(f"junitparser: {junit_path}: {len(cases)} test cases, {failures} failures, {skipped} skipped")

xmlschema.XMLSchema(xsd_path).validate(junit_path)
print(f"xmlschema: {junit_path} is valid against {xsd_path.rsplit('/', 1)[-1]}")
