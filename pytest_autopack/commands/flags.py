"""``autopack flags``: every registered flag, its state now, and what is wrong with the environment."""

from __future__ import annotations

import argparse
import json

from pytest_autopack.flags import FLAGS, ROLLOUT_STAGES, all_states, unregistered_flags


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``flags`` subcommand."""
    parser = subparsers.add_parser(
        "flags",
        help="list the feature flags (kill switches) and their current values",
        description=(
            "List every registered flag with its kind, the rollout stage that turns it on and its value in "
            "this environment. Exits 2 when a flag holds an unparseable value (treated as OFF) or an "
            "unregistered AUTOPACK_ENABLE_* variable is set."
        ),
    )
    parser.add_argument(
        "--rollout-stage",
        type=int,
        choices=ROLLOUT_STAGES,
        default=None,
        help="also show what each flag should be at this rollout stage, and exit 2 on a mismatch",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the table (or JSON) and the problems, one line each."""
    states = all_states()
    rows = []
    problems = []
    for flag in FLAGS:
        state = states[flag.name]
        row = {
            "name": flag.name,
            "kind": flag.kind,
            "enabled": state.enabled,
            "raw": state.raw,
            "enabled_from_stage": flag.enabled_from_stage,
            "description": flag.description,
        }
        if not state.parseable:
            problems.append(f"{flag.name}={state.raw!r} is not a flag value (use 1/0, true/false, yes/no, on/off); OFF")
        if args.rollout_stage is not None:
            row["expected"] = flag.expected_at(args.rollout_stage)
            if row["expected"] != state.enabled:
                want = "ON" if row["expected"] else "OFF"
                problems.append(f"{flag.name} is {'ON' if state.enabled else 'OFF'}, rollout stage expects {want}")
        rows.append(row)
    problems += [f"{name} is set but is not a registered flag" for name in unregistered_flags()]
    if args.json:
        print(json.dumps({"flags": rows, "problems": problems}, indent=2))
    else:
        for row in rows:
            stage = "never" if row["enabled_from_stage"] is None else f"stage {row['enabled_from_stage']}"
            value = "ON " if row["enabled"] else "OFF"
            print(f"{value} {row['name']:<38} {row['kind']:<12} on from {stage:<8} {row['description']}")
        for problem in problems:
            print(f"problem: {problem}")
    return 2 if problems else 0
