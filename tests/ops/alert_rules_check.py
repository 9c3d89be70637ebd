#!/usr/bin/env python3
"""Checks of compose/prometheus/rules/xacoord.rules.yml that promtool does not make.

  alert_rules_check.py conventions SOURCE_DIR
      every alert has a severity, a summary, a description and a runbook_url that points
      to a section of docs/operations.md; no expression groups or labels by transaction,
      order, account or xid; every alert has a unit test where it fires and one where it
      stays silent.
  alert_rules_check.py mutations SOURCE_DIR
      the unit tests are not vacuous: for every alert, a rules file where that alert can
      never fire must fail its firing cases, and one where it always fires must fail its
      silent cases (promtool test rules on copies in a scratch directory).
  alert_rules_check.py metric-names SOURCE_DIR SCRAPE_FILE
      every xacoord_* metric the rules read is in a real scrape of the coordinator, except
      the ones listed in AWAITED (their code is not on this branch yet).

Exit status 0 when everything holds, 1 with one line per problem otherwise.
"""
import copy
import os
import re
import subprocess
import sys
import tempfile

import yaml

RULES = "compose/prometheus/rules/xacoord.rules.yml"
TESTS = "compose/prometheus/tests/xacoord.rules.test.yml"
RUNBOOK = "docs/operations.md"
SEVERITIES = {"critical", "warning", "info"}
# Labels with one value per transaction, order, account or branch: a series per value
# would grow without bound (docs/operations.md, "Metrics").
UNBOUNDED_LABELS = {"txn_id", "order_id", "account_id", "payment_id", "xid", "gid", "gtrid"}

# Metrics the rules are written against before the coordinator exports them: each one
# named in docs/operations.md with the change that adds it. Remove a name from here in
# the commit that makes the coordinator export it (metric-names then insists on it).
AWAITED = set()


def load(source_dir, path):
    with open(os.path.join(source_dir, path)) as f:
        return yaml.safe_load(f)


def alerts(rules):
    for group in rules["groups"]:
        for rule in group["rules"]:
            if "alert" in rule:
                yield rule


def github_anchors(markdown):
    """The anchors GitHub gives the headings of a markdown file."""
    anchors = set()
    in_code = False
    for line in markdown.splitlines():
        if line.startswith("```"):
            in_code = not in_code
        if in_code or not line.startswith("#"):
            continue
        title = line.lstrip("#").strip().lower()
        title = re.sub(r"[^\w\- ]", "", title)
        anchors.add(title.replace(" ", "-"))
    return anchors


def check_conventions(source_dir):
    problems = []
    rules = load(source_dir, RULES)
    tests = load(source_dir, TESTS)
    with open(os.path.join(source_dir, RUNBOOK)) as f:
        anchors = github_anchors(f.read())
    names = []
    for group in rules["groups"]:
        for rule in group["rules"]:
            words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", rule["expr"]))
            for label in UNBOUNDED_LABELS & (words | set(rule.get("labels", {}))):
                problems.append(f"{rule.get('alert', rule.get('record'))}: uses label {label}")
    for alert in alerts(rules):
        name = alert["alert"]
        names.append(name)
        severity = alert.get("labels", {}).get("severity")
        if severity not in SEVERITIES:
            problems.append(f"{name}: severity {severity!r} is not one of {sorted(SEVERITIES)}")
        annotations = alert.get("annotations", {})
        for key in ("summary", "description", "runbook_url"):
            if not annotations.get(key, "").strip():
                problems.append(f"{name}: no {key} annotation")
        url = annotations.get("runbook_url", "")
        expected = f"{RUNBOOK}#{name.lower()}"
        if url != expected:
            problems.append(f"{name}: runbook_url is {url!r}, expected {expected!r}")
        elif name.lower() not in anchors:
            problems.append(f"{name}: {RUNBOOK} has no section '{name}' for its runbook_url")
    if len(set(names)) != len(names):
        problems.append("two alerts share a name")

    fires, silent = set(), set()
    for test in tests["tests"]:
        for case in test.get("alert_rule_test", []):
            (fires if case.get("exp_alerts") else silent).add(case["alertname"])
    for name in names:
        if name not in fires:
            problems.append(f"{name}: no unit test where it fires")
        if name not in silent:
            problems.append(f"{name}: no unit test where it stays silent")
    for name in (fires | silent) - set(names):
        problems.append(f"the unit tests name {name}, which no rule defines")
    return problems


def cases_that(tests, firing, first_only=False):
    """The unit tests reduced to their cases that expect alerts (or expect none); with
    `first_only`, to the first such case of each alert."""
    kept = copy.deepcopy(tests)
    kept["tests"] = []
    seen = set()
    for test in tests["tests"]:
        cases = [c for c in test.get("alert_rule_test", []) if bool(c.get("exp_alerts")) == firing
                 and not (first_only and c["alertname"] in seen)]
        seen.update(c["alertname"] for c in cases)
        if cases:
            reduced = copy.deepcopy(test)
            reduced["alert_rule_test"] = cases
            reduced.pop("promql_expr_test", None)
            kept["tests"].append(reduced)
    return kept


def promtool_failures(rules, tests):
    """promtool test rules on copies; the alert names of the cases that failed, or None
    when it passed."""
    with tempfile.TemporaryDirectory(prefix="xacoord-rules-") as scratch:
        os.makedirs(os.path.join(scratch, "rules"))
        os.makedirs(os.path.join(scratch, "tests"))
        with open(os.path.join(scratch, "rules", os.path.basename(RULES)), "w") as f:
            yaml.safe_dump(rules, f)
        test_path = os.path.join(scratch, "tests", os.path.basename(TESTS))
        with open(test_path, "w") as f:
            yaml.safe_dump(tests, f)
        run = subprocess.run(["promtool", "test", "rules", test_path],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if run.returncode == 0:
            return None
        return set(re.findall(r"alertname: (\w+), time:", run.stdout)), run.stdout


def check_mutations(source_dir):
    rules = load(source_dir, RULES)
    tests = load(source_dir, TESTS)
    failed = promtool_failures(rules, tests)
    if failed is not None:
        return ["the unmodified rules fail their tests:\n" + failed[1]]
    problems = []
    names = [a["alert"] for a in alerts(rules)]
    # Every alert broken at once, one way and then the other; promtool names each
    # failing case's alert, so each alert's own cases must be among the failures. An
    # alert that always fires is tried on its first silent case only: that is enough to
    # show the case can fail, and it keeps a day of firing alerts out of the run.
    for mutation, firing in (("vector(0) > 1", True), ("vector(1)", False)):
        broken = copy.deepcopy(rules)
        for alert in alerts(broken):
            alert["expr"] = mutation
        failed = promtool_failures(broken, cases_that(tests, firing, first_only=not firing))
        caught = failed[0] if failed else set()
        for name in names:
            if name not in caught:
                kind = "firing" if firing else "silent"
                problems.append(f"{name}: its {kind} cases still pass with expr '{mutation}'")
    return problems


def check_metric_names(source_dir, scrape_path):
    rules = load(source_dir, RULES)
    used = set()
    for group in rules["groups"]:
        for rule in group["rules"]:
            for metric in re.findall(r"\bxacoord_[a-z0-9_]+", rule["expr"]):
                used.add(re.sub(r"_(bucket|sum|count)$", "", metric))
    with open(scrape_path) as f:
        exported = set(re.findall(r"^# TYPE (\S+) ", f.read(), re.M))
    problems = []
    for metric in sorted(used - exported - AWAITED):
        problems.append(f"the rules read {metric}, which the coordinator does not export")
    for metric in sorted(AWAITED & exported):
        problems.append(f"{metric} is exported now: remove it from AWAITED in {__file__}")
    return problems


def main(argv):
    if len(argv) < 3 or argv[1] not in ("conventions", "mutations", "metric-names"):
        print(__doc__, file=sys.stderr)
        return 2
    source_dir = argv[2]
    if argv[1] == "conventions":
        problems = check_conventions(source_dir)
    elif argv[1] == "mutations":
        problems = check_mutations(source_dir)
    else:
        problems = check_metric_names(source_dir, argv[3])
    for p in problems:
        print(p)
    if not problems:
        print(f"{argv[1]}: OK")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
