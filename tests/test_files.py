import pytest

from course_lib import files


def test_written_file_verifies_and_leaves_no_temporaries(tmp_path):
    target = tmp_path / "sub" / "model.bin"
    files.write_bytes_atomic(target, b"weights")
    assert files.verify(target).read_bytes() == b"weights"
    assert sorted(p.name for p in target.parent.iterdir()) == ["model.bin", "model.bin.sha256"]


def test_corruption_is_detected(tmp_path):
    target = files.write_text_atomic(tmp_path / "cache.json", '{"a": 1}')
    target.write_text('{"a": 2}')
    with pytest.raises(files.FileIntegrityError, match="corrupted"):
        files.verify(target)


def test_file_without_sidecar_is_treated_as_half_written(tmp_path):
    target = tmp_path / "model.keras"
    target.write_bytes(b"partial")
    with pytest.raises(files.FileIntegrityError, match="half-written"):
        files.verify(target)


def test_missing_file(tmp_path):
    with pytest.raises(files.FileIntegrityError, match="missing"):
        files.verify(tmp_path / "nope.keras")


def test_a_failing_writer_leaves_the_old_file_intact(tmp_path):
    target = files.write_bytes_atomic(tmp_path / "model.bin", b"old")

    def crash(tmp):
        tmp.write_bytes(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        files.write_atomic(target, crash)
    assert files.verify(target).read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.bin", "model.bin.sha256"]


def test_writer_sees_the_target_suffix(tmp_path):
    seen = []
    files.write_atomic(tmp_path / "m.keras", lambda tmp: (seen.append(tmp.suffix),
                                                          tmp.write_bytes(b"x")))
    assert seen == [".keras"]


def test_arrays_round_trip_with_a_card_and_corruption_is_caught(tmp_path):
    import json

    import numpy as np

    path = files.write_arrays(tmp_path / "m.npz", {"w": np.arange(6).reshape(2, 3)},
                              card={"command": "make it"})
    assert files.read_arrays(path)["w"].tolist() == [[0, 1, 2], [3, 4, 5]]
    assert json.loads((tmp_path / "m.json").read_text()) == {"command": "make it"}
    path.write_bytes(path.read_bytes()[:-3])
    with pytest.raises(files.FileIntegrityError, match="corrupted"):
        files.read_arrays(path)


def test_a_broken_shipped_file_says_how_to_restore_or_remake_it(tmp_path):
    with pytest.raises(files.FileIntegrityError) as caught:
        files.load_shipped(files.read_arrays, tmp_path / "model.npz", "scripts/make.py")
    message = str(caught.value)
    assert "missing" in message and "git checkout -- data/model.npz data/model.npz.sha256" \
        in message and "python scripts/make.py" in message


def test_weights_keep_their_order_spec_and_extra_arrays(tmp_path):
    import numpy as np

    weights = [np.full((2,), i, np.float32) for i in range(12)]  # w010 sorts after w009
    path = files.write_weights(tmp_path / "m.npz", weights, {"width": 8},
                               codebook=np.eye(2, dtype=np.float32))
    spec, loaded, extra = files.read_weights(path)
    assert spec == {"width": 8} and list(extra) == ["codebook"]
    assert [int(w[0]) for w in loaded] == list(range(12))
