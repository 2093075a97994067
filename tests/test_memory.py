"""Peak memory of a training step: measured in a fresh process, growing as the work does."""

import pytest

from ff_tutorial.memory import peak_in_fresh_process, training_step_peak


def test_a_bad_method_is_refused():
    with pytest.raises(ValueError, match="'ff' or 'backprop'"):
        training_step_peak("sideways", [784, 10], 8)


@pytest.mark.slow  # four fresh processes, each training on 4,000 images
def test_backprop_keeps_every_layers_activities_and_ff_does_not():
    # 4,000 images x 1,000 units of float32 is 16 MB per layer's activities; backprop keeps one
    # such block per layer for its backward pass, FF only the layer it is training.
    batch, width = 4000, 1000
    bp1 = peak_in_fresh_process("backprop", [784, width], batch)["peak_bytes"]
    bp4 = peak_in_fresh_process("backprop", [784] + [width] * 4, batch)["peak_bytes"]
    ff1 = peak_in_fresh_process("ff", [784, width], batch)["peak_bytes"]
    ff4 = peak_in_fresh_process("ff", [784] + [width] * 4, batch)["peak_bytes"]
    activities, weights = batch * width * 4, width * width * 4
    # each added backprop layer costs its activities and its weights' share (weights, gradient,
    # Adam's two averages); each added FF layer only the weights' share
    assert bp4 - bp1 > 3 * activities
    assert ff4 - ff1 < 3 * (activities + 4 * weights)
    assert (ff4 - ff1) < (bp4 - bp1)


def test_a_fresh_process_returns_the_json_of_its_last_marked_line_or_says_why_not(tmp_path):
    from ff_tutorial.memory import in_fresh_process
    (tmp_path / "probe.py").write_text(
        "import sys\nprint('RESULT [0]')\nprint('noise')\nprint('RESULT ' + repr(sys.argv[1:]).replace(\"'\", '\"'))\n")
    assert in_fresh_process("probe", "a", "b", marker="RESULT ", cwd=tmp_path) == ["a", "b"]
    with pytest.raises(RuntimeError, match=r"the probe failed \(exit 0\)"):  # ran, but printed no marked line
        in_fresh_process("probe", marker="NOTHING ", cwd=tmp_path, what="the probe")
    (tmp_path / "broken.py").write_text("raise SystemExit('it broke')\n")
    with pytest.raises(RuntimeError, match=r"(?s)failed \(exit 1\):.*it broke"):
        in_fresh_process("broken", cwd=tmp_path)
