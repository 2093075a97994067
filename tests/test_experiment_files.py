"""An experiment that writes one record keeps the one there, and refuses a path it cannot write, before measuring."""

from experiments import backprop_same_shape, denormals, stacking_drift


def test_a_record_that_exists_is_kept_unless_forced(tmp_path, capsys, monkeypatch):
    record = tmp_path / "record.json"
    record.write_text("{}")
    def measuring(*args, **kwargs):
        raise AssertionError("measured although the record was kept")

    monkeypatch.setattr(stacking_drift, "load_mnist", measuring)
    monkeypatch.setattr(denormals.subprocess, "run", measuring)
    monkeypatch.setattr(backprop_same_shape, "load_mnist", measuring)
    for experiment in (denormals, stacking_drift, backprop_same_shape):
        assert experiment.main(["--path", str(record)]) == 0
        assert "exists, kept" in capsys.readouterr().out and record.read_text() == "{}"


def test_a_path_that_cannot_be_written_is_refused_before_measuring(tmp_path, capsys):
    (tmp_path / "file").write_text("")
    for experiment in (denormals, stacking_drift, backprop_same_shape):
        assert experiment.main(["--path", str(tmp_path / "file" / "record.json")]) == 2
        assert "is a file, not a folder" in capsys.readouterr().err
