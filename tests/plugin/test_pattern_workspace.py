"""`pattern_workspace` as a user of the plugin meets it: mine, generate, run the generated tests, reload."""

from __future__ import annotations


def test_expand_generate_and_run_generated_tests(autopack_pytester):
    autopack_pytester.makepyfile(
        """
        import subprocess, sys

        MESSAGES = (
            [f"Deploy of service-{i} failed: quota exceeded in region eu-west-{i % 3}" for i in range(6)]
            + [f"Lint step timed out after {30 + i}s in job lint-{i}" for i in range(4)]
            + ["a one-off message that stays below the threshold"]
        )

        def test_roundtrip(pattern_workspace):
            analysis = pattern_workspace.expand(MESSAGES)
            assert len(analysis.reported) == 2
            outcomes = pattern_workspace.generate(analysis)
            assert {o.status for o in outcomes} == {"created"}
            generated = subprocess.run(
                [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(pattern_workspace.tests_dir)],
                capture_output=True, text=True,
            )
            assert generated.returncode == 0, generated.stdout
            registry = pattern_workspace.registry()
            match = registry.detect_and_mitigate("Deploy of service-99 failed: quota exceeded in region eu-west-7")
            assert match is not None and match.detector.pattern_id in {p.id for p in analysis.reported}
            assert pattern_workspace.generate(analysis)[0].status == "unchanged"
        """
    )
    result = autopack_pytester.runpytest()
    result.assert_outcomes(passed=1)
