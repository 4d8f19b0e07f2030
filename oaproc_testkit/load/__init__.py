"""The burst load scenario: job records, verdicts, timeline and the Locust glue's plan and reports.

loadtests/burst.py is the Locust file; everything it decides lives here, testable without Locust.
"""
