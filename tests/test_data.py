"""Tests for course_utils.data: loaders, synthetic generator, splits, windows, displacements."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays

from course_utils import data
from course_utils.baselines import ConstantVelocity
from course_utils.metrics import evaluate


# ----------------------------------------------------------------- real data

def test_ucy_has_the_six_scenes_with_their_pedestrian_counts():
    # counts from data/ucy/README.md (pedestrians per scene; no gaps, so one trajectory each)
    expected = {"crowds_zara01": 148, "crowds_zara02": 204, "crowds_zara03": 137,
                "students001": 415, "students003": 434, "uni_examples": 118}
    for scene, count in expected.items():
        trajs = data.load_ucy(scene)
        assert len(trajs) == count, scene
        assert all(t.unit == "m" and t.dt == 0.4 and t.step == 10 for t in trajs)


def test_ucy_row_counts_match_the_files():
    expected_rows = {"crowds_zara01": 5153, "students001": 21813}
    for scene, rows in expected_rows.items():
        assert sum(len(t) for t in data.load_ucy(scene)) == rows


@pytest.mark.parametrize("split, published_ade, published_fde", [
    ("univ", 0.52, 1.16), ("zara1", 0.43, 0.95), ("zara2", 0.32, 0.72)])
def test_constant_velocity_reproduces_published_ucy_figures(split, published_ade, published_fde):
    # Schöller et al., RA-L 2020: deterministic constant velocity, observe 8, predict 12.
    table = evaluate({"cv": ConstantVelocity()}, data.load_ucy(split), k=8, m=12)
    assert abs(table.loc["cv", "ADE"] - published_ade) <= 0.01
    assert abs(table.loc["cv", "FDE"] - published_fde) <= 0.01


def test_tud_pedestrian_counts_and_units():
    campus = data.load_tud("TUD-Campus")
    stadt = data.load_tud("TUD-Stadtmitte")
    assert len(campus) == 8 and len(stadt) == 10
    assert sum(len(t) for t in campus) == 359 and sum(len(t) for t in stadt) == 1156
    assert all(t.unit == "px" and t.dt == pytest.approx(0.04) for t in campus + stadt)


def test_tud_bottom_point_is_box_bottom_centre():
    # first gt row of TUD-Campus: frame 1, id 1, left 399, top 182, width 121, height 229
    first = data.load_tud("TUD-Campus", point="bottom")[0]
    assert first.ident == 1 and first.frames[0] == 1
    np.testing.assert_allclose(first.xy[0], [399 + 121 / 2, 182 + 229])
    centre = data.load_tud("TUD-Campus", point="centre")[0]
    np.testing.assert_allclose(centre.xy[0], [399 + 121 / 2, 182 + 229 / 2])


def test_bad_names_give_clear_errors():
    with pytest.raises(ValueError, match="scene: expected one of"):
        data.load_ucy("zara9")
    with pytest.raises(ValueError, match="sequence: expected one of"):
        data.load_tud("MOT17-02")
    with pytest.raises(ValueError, match="point"):
        data.load_tud("TUD-Campus", point="top")


def test_missing_data_folder_names_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="crowds_zara01.txt"):
        data.load_ucy("crowds_zara01")
    with pytest.raises(FileNotFoundError, match="gt.txt"):
        data.load_tud("TUD-Campus")


# ----------------------------------------------------------------- own files

def test_plain_format_with_header_commas_and_spaces(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text("frame,id,x,y\n# a comment\n0,1,0.0,0.0\n1,1,1.0,0.5\n\n2,1,2.0,1.0\n0 2 5 5\n1 2 5 6\n")
    trajs = data.load_trajectories(path)
    assert [t.ident for t in trajs] == [1, 2]
    np.testing.assert_allclose(trajs[0].xy, [[0, 0], [1, 0.5], [2, 1]])
    assert trajs[0].step == 1 and trajs[0].source == "mine"


def test_rows_are_sorted_by_frame(tmp_path):
    path = tmp_path / "shuffled.txt"
    path.write_text("2 1 2 0\n0 1 0 0\n1 1 1 0\n")
    np.testing.assert_allclose(data.load_trajectories(path)[0].xy[:, 0], [0, 1, 2])


@pytest.mark.parametrize("content, message", [
    ("0,1,0,0\n1,1,abc,0\n", r"line 2: expected numbers"),
    ("0,1,0,0\n1,1,0\n", r"line 2: expected 4 columns"),
    ("0,1,0,0\n0,1,1,1\n", r"line 2: id 1 appears twice in frame 0"),
    ("0,1,0,0\n1,1,nan,0\n", r"line 2: NaN"),
    ("0,1.5,0,0\n", r"line 1: frame and id must be whole numbers"),
    ("# only a comment\n", r"no data rows"),
])
def test_malformed_rows_name_file_and_line(tmp_path, content, message):
    path = tmp_path / "bad.txt"
    path.write_text(content)
    with pytest.raises(ValueError, match=message) as info:
        data.load_trajectories(path)
    assert "bad.txt" in str(info.value)


def test_missing_file():
    with pytest.raises(FileNotFoundError, match="nowhere.txt"):
        data.load_trajectories("nowhere.txt")


def test_gaps_split_interpolate_or_error(tmp_path):
    path = tmp_path / "gap.txt"
    path.write_text("".join(f"{f} 1 {f} 0\n" for f in [0, 10, 20, 50, 60, 70]))
    split = data.load_trajectories(path)
    assert [len(t) for t in split] == [3, 3] and split[0].step == 10
    filled = data.load_trajectories(path, gaps="interpolate")
    assert len(filled) == 1 and len(filled[0]) == 8
    np.testing.assert_allclose(filled[0].xy[:, 0], [0, 10, 20, 30, 40, 50, 60, 70])
    with pytest.raises(ValueError, match="jumps from frame 20 to 50"):
        data.load_trajectories(path, gaps="error")
    with pytest.raises(ValueError, match="gaps: expected"):
        data.load_trajectories(path, gaps="ignore")


# ----------------------------------------------------------------- synthetic

def test_synthetic_is_seeded_and_has_every_family():
    a = data.generate_synthetic(50, seed=3)
    b = data.generate_synthetic(50, seed=3)
    c = data.generate_synthetic(50, seed=4)
    assert all(np.array_equal(x.xy, y.xy) for x, y in zip(a, b))
    assert not np.array_equal(a[0].xy, c[0].xy)
    assert {t.family for t in a} == set(data.SYNTHETIC_FAMILIES)
    assert all(t.xy.shape == (20, 2) and np.isfinite(t.xy).all() for t in a)


def test_synthetic_speeds_are_pedestrian_like():
    trajs = data.generate_synthetic(200, seed=0, noise=0.0)
    speeds = np.concatenate([np.linalg.norm(np.diff(t.xy, axis=0), axis=1) / t.dt for t in trajs])
    assert speeds.max() <= 2.5 + 1e-9
    assert 0.5 < np.median(speeds) < 2.0


def test_synthetic_constant_velocity_family_is_straight_and_uniform():
    trajs = data.generate_synthetic(10, seed=0, noise=0.0, families=["constant_velocity"])
    for t in trajs:
        steps = np.diff(t.xy, axis=0)
        np.testing.assert_allclose(steps, np.repeat(steps[:1], len(steps), 0), atol=1e-12)


def test_synthetic_turns_really_turn():
    trajs = data.generate_synthetic(10, seed=0, noise=0.0, families=["constant_turn"])
    for t in trajs:
        steps = np.diff(t.xy, axis=0)
        angles = np.unwrap(np.arctan2(steps[:, 1], steps[:, 0]))
        rates = np.diff(angles) / t.dt
        assert np.all(np.abs(rates) >= 0.1 - 1e-9) and np.allclose(rates, rates[0])


def test_synthetic_bad_arguments():
    with pytest.raises(ValueError, match="n_trajectories"):
        data.generate_synthetic(0)
    with pytest.raises(ValueError, match="unknown family"):
        data.generate_synthetic(5, families=["teleport"])
    with pytest.raises(ValueError, match="noise"):
        data.generate_synthetic(5, noise=-1)


# ----------------------------------------------------------------- splits and windows

def test_split_by_trajectory_never_leaks_windows():
    trajs = data.load_ucy("crowds_zara02")
    train, val, test = data.split_by_trajectory(trajs, seed=1)
    keys = [set(t.key for t in part) for part in (train, val, test)]
    assert not (keys[0] & keys[1]) and not (keys[0] & keys[2]) and not (keys[1] & keys[2])
    assert sum(len(k) for k in keys) == len(trajs)
    # and no window of one part appears in another
    win = [data.make_windows(p) for p in (train, val, test)]
    train_rows = {w.tobytes() for w in win[0].observed}
    assert not any(w.tobytes() in train_rows for w in win[2].observed)
    assert len(train) == round(0.7 * len(trajs))


def test_split_bad_fractions():
    with pytest.raises(ValueError, match="fractions"):
        data.split_by_trajectory(data.generate_synthetic(10), fractions=(0.5, 0.6))
    with pytest.raises(ValueError, match="at least one trajectory"):
        data.split_by_trajectory([])


@settings(max_examples=50, deadline=None)
@given(lengths=st.lists(st.integers(2, 60), min_size=1, max_size=6), k=st.integers(1, 10),
       m=st.integers(1, 15), stride=st.integers(1, 4))
def test_number_of_windows_follows_from_lengths(lengths, k, m, stride):
    trajs = [data.Trajectory(ident=i, frames=np.arange(n), xy=np.random.default_rng(i).normal(size=(n, 2)), dt=1.0)
             for i, n in enumerate(lengths)]
    windows = data.make_windows(trajs, k, m, stride=stride)
    assert len(windows) == sum(max(0, (n - k - m) // stride + 1) for n in lengths)
    assert windows.observed.shape == (len(windows), k, 2) and windows.future.shape == (len(windows), m, 2)
    for obs, fut, i, s in zip(windows.observed, windows.future, windows.traj_index, windows.start):
        np.testing.assert_array_equal(obs, trajs[i].xy[s:s + k])
        np.testing.assert_array_equal(fut, trajs[i].xy[s + k:s + k + m])


def test_windows_bad_input():
    with pytest.raises(ValueError, match="k: expected an integer"):
        data.make_windows(data.generate_synthetic(3), k=0)
    with pytest.raises(ValueError, match=r"trajectories\[0\]: expected a Trajectory"):
        data.make_windows([np.zeros((20, 2))])


# ----------------------------------------------------------------- displacements

@settings(max_examples=50, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(2, 12), st.just(2)),
              elements=st.floats(-1e3, 1e3)))
def test_displacements_round_trip(xy):
    disp = data.to_displacements(xy)
    assert disp.shape == (xy.shape[0], xy.shape[1] - 1, 2)
    back = data.from_displacements(xy[:, 0], disp)
    np.testing.assert_allclose(back, xy[:, 1:], atol=1e-9)


def test_displacement_shapes_are_checked():
    with pytest.raises(ValueError, match=r"expected shape \(\.\.\., T, 2\)"):
        data.to_displacements(np.zeros((5, 3)))
    with pytest.raises(ValueError, match="start: expected shape"):
        data.from_displacements(np.zeros((3, 2)), np.zeros((4, 5, 2)))


def test_subsample_keeps_every_offset():
    t = data.Trajectory(ident=3, frames=np.arange(25), xy=np.arange(50.0).reshape(25, 2), dt=0.04, unit="px")
    thinned = data.subsample([t], every=10)
    assert len(thinned) == 10                                   # offsets 0..9, each with >= 2 positions
    assert [len(s) for s in thinned] == [3] * 5 + [2] * 5
    np.testing.assert_array_equal(thinned[2].frames, [2, 12, 22])
    assert thinned[0].dt == pytest.approx(0.4) and thinned[0].step == 10 and thinned[0].ident == 3
    with pytest.raises(ValueError, match="every"):
        data.subsample([t], every=0)
