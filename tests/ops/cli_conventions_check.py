#!/usr/bin/env python3
"""The command-line conventions operators expect (docs/operations.md, "Exit codes").

  cli_conventions_check.py XACOORD SOURCE_DIR
      `xacoord --version` prints the project's version; `xacoord --help` lists the
      commands; every command (as that list names them) and every subcommand of txn and
      log answers --help with its usage on stdout and exit 0, and an unknown flag with a
      message naming it and exit 2; serve's help names the environment variable of
      every flag.
  cli_conventions_check.py --self-test
      the check fails on a planted fake xacoord whose --help exits 2 and which accepts an
      unknown flag.

Exit status 0 when everything holds, 1 with one line per problem otherwise.
"""
import os
import re
import subprocess
import sys
import tempfile

SUBCOMMANDS = {"txn": ["list", "show", "commit", "rollback"], "log": ["verify", "dump", "salvage"]}
UNKNOWN = "--no-such-flag-xyz"


def run(binary, args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("XACOORD_")}
    p = subprocess.run([binary] + args, capture_output=True, text=True, timeout=30, env=env)
    return p.returncode, p.stdout, p.stderr


def commands_of(help_text):
    """The command names of `xacoord --help`: the indented first word of each line."""
    names = []
    for line in help_text.splitlines():
        m = re.match(r"^  ([a-z][a-z-]*)\s{2,}\S", line)
        if m:
            names.append(m.group(1))
    return names


def project_version(source_dir):
    with open(os.path.join(source_dir, "CMakeLists.txt")) as f:
        m = re.search(r"project\(xacoord VERSION ([0-9.]+)", f.read())
    return m.group(1) if m else None


def check_help(binary, args, problems):
    code, out, err = run(binary, args + ["--help"])
    what = "xacoord " + " ".join(args + ["--help"])
    if code != 0:
        problems.append(f"{what}: exit {code}, not 0")
    if not out.startswith("usage:"):
        problems.append(f"{what}: no usage on stdout (stdout {out[:80]!r}, stderr {err[:80]!r})")
    return out


def check_unknown_flag(binary, args, problems):
    code, out, err = run(binary, args + [UNKNOWN])
    what = "xacoord " + " ".join(args + [UNKNOWN])
    if code != 2:
        problems.append(f"{what}: exit {code}, not 2")
    if UNKNOWN not in err:
        problems.append(f"{what}: the message does not name the flag (stderr {err[:120]!r})")


def check(binary, source_dir):
    problems = []
    code, out, _ = run(binary, ["--version"])
    version = project_version(source_dir) if source_dir else None
    if code != 0 or not re.match(r"^xacoord \d+\.\d+\.\d+", out):
        problems.append(f"xacoord --version: exit {code}, printed {out!r}")
    elif version and out.strip() != f"xacoord {version}":
        problems.append(f"xacoord --version printed {out.strip()!r}, the project is {version}")
    code, top, _ = run(binary, ["--help"])
    if code != 0:
        problems.append(f"xacoord --help: exit {code}, not 0")
    commands = commands_of(top)
    if len(commands) < 3:
        problems.append(f"xacoord --help lists no commands: {top[:200]!r}")
    check_unknown_flag(binary, [], problems)
    for command in commands:
        text = check_help(binary, [command], problems)
        check_unknown_flag(binary, [command], problems)
        for sub in SUBCOMMANDS.get(command, []):
            if sub not in text:
                problems.append(f"xacoord {command} --help does not mention {sub}")
            check_help(binary, [command, sub], problems)
            check_unknown_flag(binary, [command, sub], problems)
        if command == "serve":
            for flag in re.findall(r"^  --([a-z0-9-]+)", text, re.M):
                if flag == "help":
                    continue
                env = "XACOORD_" + flag.upper().replace("-", "_")
                if env not in text:
                    problems.append(f"xacoord serve --help does not name {env} for --{flag}")
    return problems


def self_test():
    with tempfile.TemporaryDirectory() as scratch:
        fake = os.path.join(scratch, "xacoord")
        with open(fake, "w") as f:
            f.write("#!/bin/sh\n"
                    "case \"$1\" in\n"
                    "  --version) echo 'xacoord 0.0.1'; exit 0;;\n"
                    "  --help) printf 'usage: xacoord COMMAND\\n  serve     run it\\n"
                    "  txn       transactions\\n  log       the log\\n'; exit 0;;\n"
                    "esac\n"
                    "echo 'usage: xacoord ...' >&2; exit 2\n")
        os.chmod(fake, 0o755)
        problems = check(fake, None)
    expected = ["xacoord serve --help: exit 2, not 0", "does not name the flag"]
    missing = [e for e in expected if not any(e in p for p in problems)]
    if missing:
        print("self-test: the check missed planted faults: " + "; ".join(missing))
        return 1
    print(f"self-test: {len(problems)} planted problems caught")
    return 0


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    problems = check(sys.argv[1], sys.argv[2])
    for p in problems:
        print(p)
    if not problems:
        print("every command answers --help (exit 0) and refuses an unknown flag (exit 2)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
