"""Trajectories: real (UCY in metres, TUD in pixels), your own files, and synthetic ones.

The course frames tracking as sequence prediction: from an object's past positions,
predict its future ones.  Everything here produces or transforms *trajectories*:
one object's positions over time, one row per annotated frame.

- ``load_trajectories(path)``: the plain ``frame,id,x,y`` format (bring your own data);
- ``load_ucy(scene)``: real pedestrians in metres (UCY "Crowds by Example", 2.5 Hz);
- ``load_tud(sequence)``: real pedestrians in pixels from TUD-Campus / TUD-Stadtmitte (25 Hz);
- ``generate_synthetic(n)``: seeded synthetic pedestrians with several motion families;
- ``split_by_trajectory``: train/validation/test by whole trajectory (no leakage);
- ``make_windows``: (observed ``k`` steps, future ``m`` steps) pairs, default 8 -> 12;
- ``to_displacements`` / ``from_displacements``: relative motion and back.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from .validation import as_float_array, check_positive_int

__all__ = [
    "Trajectory", "Windows", "DATA_DIR", "UCY_SCENES", "UCY_TEST_SPLITS", "TUD_SEQUENCES",
    "SYNTHETIC_FAMILIES", "data_dir", "load_trajectories", "load_ucy", "load_tud",
    "generate_synthetic", "split_by_trajectory", "make_windows", "count_windows",
    "to_displacements", "from_displacements", "trajectories_from_array", "subsample",
]

#: The repository's ``data/`` folder (override with the ``COURSE_DATA_DIR`` environment variable).
DATA_DIR = Path(__file__).resolve().parents[1] / "data"

#: The six UCY scene files shipped in ``data/ucy/`` (metres, one annotation every 0.4 s).
UCY_SCENES = ("crowds_zara01", "crowds_zara02", "crowds_zara03",
              "students001", "students003", "uni_examples")

#: The usual ETH/UCY leave-one-scene-out test sets (Social-GAN's protocol) for the UCY part.
UCY_TEST_SPLITS = {
    "univ": ("students001", "students003"),
    "zara1": ("crowds_zara01",),
    "zara2": ("crowds_zara02",),
}

#: The two real MOT15 street sequences shipped in ``data/mot15/``.
TUD_SEQUENCES = ("TUD-Campus", "TUD-Stadtmitte")

SYNTHETIC_FAMILIES = ("constant_velocity", "constant_turn", "accelerate_brake", "stop_and_go", "social")


def data_dir() -> Path:
    """The folder the loaders read from: ``$COURSE_DATA_DIR`` if set, else the repo's ``data/``."""
    return Path(os.environ.get("COURSE_DATA_DIR", DATA_DIR))


@dataclass
class Trajectory:
    """One object's positions over time.

    Attributes
    ----------
    ident : int       the object's id in its source (several segments may share it after gap splitting)
    frames : (n,) int the frame number of each position (consecutive positions are ``step`` frames apart)
    xy : (n, 2) float positions (``unit``: ``"m"`` metres or ``"px"`` pixels)
    dt : float        seconds between consecutive positions
    step : int        frame-number difference between consecutive positions
    source : str      scene / sequence / file the trajectory came from
    family : str      motion family for synthetic trajectories ("" for real data)
    """
    ident: int
    frames: np.ndarray
    xy: np.ndarray
    dt: float
    unit: str = "m"
    step: int = 1
    source: str = ""
    family: str = ""
    meta: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.xy)

    def __repr__(self) -> str:
        return (f"Trajectory(id={self.ident}, source={self.source!r}, {len(self)} positions in "
                f"{self.unit}, frames {int(self.frames[0])}..{int(self.frames[-1])}, dt={self.dt:g} s"
                + (f", family={self.family!r}" if self.family else "") + ")")

    @property
    def key(self) -> tuple:
        """A key unique over the course's data sets: (source, id, first frame)."""
        return (self.source, self.ident, int(self.frames[0]))


@dataclass
class Windows:
    """Training/evaluation pairs cut from trajectories.

    observed : (n, k, 2)  the k positions a predictor sees
    future : (n, m, 2)    the m positions that follow (what it must predict)
    traj_index : (n,)     index of the trajectory (in the list given) each window came from
    start : (n,)          index of the window's first position inside that trajectory
    """
    observed: np.ndarray
    future: np.ndarray
    traj_index: np.ndarray
    start: np.ndarray

    def __len__(self) -> int:
        return len(self.observed)

    def __repr__(self) -> str:
        return (f"Windows(n={len(self)}, observed {self.observed.shape}, future {self.future.shape}, "
                f"from {len(np.unique(self.traj_index))} trajectories)")

    def subset(self, index) -> "Windows":
        """The windows selected by a boolean mask or an index array."""
        return Windows(self.observed[index], self.future[index], self.traj_index[index], self.start[index])


# --------------------------------------------------------------------------- loading

_SPLIT = re.compile(r"[,\s]+")


def load_trajectories(path, *, unit: str = "m", dt: float | None = None, gaps: str = "split",
                      min_length: int = 2, source: str | None = None) -> list[Trajectory]:
    """Load trajectories from a plain text file, one position per row: ``frame, id, x, y``.

    Columns may be separated by commas, tabs or spaces; a first line that is not numeric is
    taken as a header; blank lines and lines starting with ``#`` are skipped; extra columns
    after ``y`` are ignored.  Rows are grouped by ``id`` and sorted by ``frame``.

    Parameters
    ----------
    path : file to read
    unit : unit of ``x`` and ``y`` ("m" or "px"), recorded on each trajectory
    dt : seconds between consecutive positions (recorded; default 1.0 if not known)
    gaps : what to do where an object's frames skip (a frame difference larger than the
        usual ``step``): ``"split"`` (default) cuts the trajectory into separate segments,
        ``"interpolate"`` fills the missing frames linearly, ``"error"`` raises.
    min_length : segments shorter than this are dropped.

    Raises ``FileNotFoundError`` for a missing file and ``ValueError`` naming the file and
    line of a malformed row (too few columns, not a number, duplicate frame for one id).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"trajectory file not found: {path}")
    if gaps not in ("split", "interpolate", "error"):
        raise ValueError(f"gaps: expected 'split', 'interpolate' or 'error', got {gaps!r}")
    min_length = check_positive_int(min_length, "min_length")
    rows = []
    seen_content = False
    with path.open("r", encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            parts = [p for p in _SPLIT.split(text) if p]
            if len(parts) < 4:
                raise ValueError(f"{path}, line {number}: expected 4 columns 'frame, id, x, y', "
                                 f"got {len(parts)}: {text!r}")
            first, seen_content = not seen_content, True
            try:
                values = [float(p) for p in parts[:4]]
            except ValueError:
                if first:
                    continue  # the first line may be a header such as 'frame,id,x,y'
                raise ValueError(f"{path}, line {number}: expected numbers 'frame, id, x, y', "
                                 f"got {text!r}") from None
            if not all(np.isfinite(values)):
                raise ValueError(f"{path}, line {number}: NaN or infinite value in {text!r}")
            if values[0] != round(values[0]) or values[1] != round(values[1]):
                raise ValueError(f"{path}, line {number}: frame and id must be whole numbers, got {text!r}")
            rows.append((values, number))
    if not rows:
        raise ValueError(f"{path}: no data rows found (expected lines 'frame, id, x, y')")
    table = np.array([r[0] for r in rows])
    lines = np.array([r[1] for r in rows])
    return _group(table, lines, path=str(path), unit=unit, dt=dt, gaps=gaps,
                  min_length=min_length, source=source or path.stem)


def trajectories_from_array(table, *, unit: str = "m", dt: float | None = None, gaps: str = "split",
                            min_length: int = 2, source: str = "array") -> list[Trajectory]:
    """Group an array of rows ``(frame, id, x, y)`` of shape (rows, 4) into trajectories.

    The same grouping, sorting and gap handling as ``load_trajectories``.
    """
    table = as_float_array(table, "table", shape=(None, 4))
    return _group(table, np.arange(1, len(table) + 1), path=source, unit=unit, dt=dt, gaps=gaps,
                  min_length=check_positive_int(min_length, "min_length"), source=source)


def _group(table, lines, *, path, unit, dt, gaps, min_length, source) -> list[Trajectory]:
    frames_all = table[:, 0].astype(np.int64)
    ids_all = table[:, 1].astype(np.int64)
    order = np.lexsort((frames_all, ids_all))
    table, lines, frames_all, ids_all = table[order], lines[order], frames_all[order], ids_all[order]
    same = (ids_all[1:] == ids_all[:-1]) & (frames_all[1:] == frames_all[:-1])
    if same.any():
        i = int(np.argmax(same)) + 1
        raise ValueError(f"{path}, line {int(lines[i])}: id {ids_all[i]} appears twice in frame "
                         f"{frames_all[i]} (first at line {int(lines[i - 1])})")
    # the usual frame step: the most common difference between consecutive frames of an object
    diffs = np.diff(frames_all)[ids_all[1:] == ids_all[:-1]]
    step = int(np.bincount(diffs).argmax()) if len(diffs) else 1
    out: list[Trajectory] = []
    boundaries = np.flatnonzero(np.diff(ids_all)) + 1
    for chunk in np.split(np.arange(len(table)), boundaries):
        frames, xy = frames_all[chunk], table[chunk, 2:4]
        ident = int(ids_all[chunk[0]])
        jumps = np.flatnonzero(np.diff(frames) != step)
        if len(jumps) and gaps == "error":
            j = int(jumps[0])
            raise ValueError(f"{path}, line {int(lines[chunk[j + 1]])}: id {ident} jumps from frame "
                             f"{frames[j]} to {frames[j + 1]} (usual step {step}); use gaps='split' "
                             "or gaps='interpolate'")
        if len(jumps) and gaps == "interpolate":
            if np.any((frames - frames[0]) % step):
                raise ValueError(f"{path}: id {ident} has frames off the {step}-frame grid; cannot interpolate")
            full = np.arange(frames[0], frames[-1] + 1, step)
            xy = np.stack([np.interp(full, frames, xy[:, d]) for d in range(2)], axis=1)
            frames, pieces = full, [np.arange(len(full))]
        else:
            pieces = np.split(np.arange(len(frames)), jumps + 1)
        for piece in pieces:
            if len(piece) >= min_length:
                out.append(Trajectory(ident=ident, frames=frames[piece].copy(), xy=xy[piece].copy(),
                                      dt=1.0 if dt is None else float(dt), unit=unit, step=step,
                                      source=source))
    return out


def load_ucy(scene: str | Iterable[str]) -> list[Trajectory]:
    """Real pedestrian trajectories of a UCY scene, in metres, one position every 0.4 s.

    ``scene`` is one of ``UCY_SCENES`` (e.g. ``"crowds_zara01"``), a list of them, or a test
    split name of ``UCY_TEST_SPLITS`` (``"univ"``, ``"zara1"``, ``"zara2"``).

    Source: A. Lerner, Y. Chrysanthou, D. Lischinski, "Crowds by Example", Computer Graphics
    Forum 26(3), 2007 (the files of the ETH/UCY forecasting benchmark; see data/README.md).
    """
    if isinstance(scene, str):
        scenes = UCY_TEST_SPLITS.get(scene, (scene,))
    else:
        scenes = tuple(scene)
    out: list[Trajectory] = []
    for name in scenes:
        if name not in UCY_SCENES:
            raise ValueError(f"scene: expected one of {', '.join(UCY_SCENES)} or a split "
                             f"{', '.join(UCY_TEST_SPLITS)}, got {name!r}")
        out += load_trajectories(data_dir() / "ucy" / f"{name}.txt", unit="m", dt=0.4, source=name)
    return out


def load_tud(sequence: str, *, point: str = "bottom") -> list[Trajectory]:
    """Real pedestrian trajectories in pixels from a TUD sequence's ground truth (25 frames/s).

    Each annotated person becomes one trajectory of box points: ``point="bottom"`` (default)
    takes the bottom centre of the box (where the feet touch the ground, the point that moves
    like the person), ``"centre"`` the box centre.  Gaps in an id's frames split it.

    Source: TUD-Campus / TUD-Stadtmitte (Andriluka, Roth, Schiele), as redistributed by
    MOTChallenge 2015 under CC BY-NC-SA 3.0 (see data/README.md).
    """
    if sequence not in TUD_SEQUENCES:
        raise ValueError(f"sequence: expected one of {', '.join(TUD_SEQUENCES)}, got {sequence!r}")
    if point not in ("bottom", "centre"):
        raise ValueError(f"point: expected 'bottom' or 'centre', got {point!r}")
    from .mot import read_mot   # the course's one MOTChallenge reader (clear errors naming file and line)

    rows = read_mot(data_dir() / "mot15" / sequence / "gt" / "gt.txt")
    x = rows["left"] + rows["width"] / 2
    y = rows["top"] + (rows["height"] if point == "bottom" else rows["height"] / 2)
    table = np.column_stack([rows["frame"], rows["id"], x, y]).astype(float)
    return trajectories_from_array(table, unit="px", dt=1 / 25, source=sequence)


# --------------------------------------------------------------------------- synthetic data

def generate_synthetic(n_trajectories: int, *, length: int = 20, dt: float = 0.4,
                       families: Sequence[str] = SYNTHETIC_FAMILIES, noise: float = 0.02,
                       seed: int = 0) -> list[Trajectory]:
    """Seeded synthetic pedestrian trajectories in metres, one position every ``dt`` seconds.

    Motion families (drawn in equal shares, in random order):

    - ``constant_velocity``: straight at 0.5-2.0 m/s;
    - ``constant_turn``: constant speed, constant turn rate of 0.1-0.5 rad/s either way;
    - ``accelerate_brake``: straight with constant acceleration of +-0.1-0.4 m/s^2 (never backwards);
    - ``stop_and_go``: walks, halts for a while, walks on (speed eases in and out);
    - ``social``: groups of 4 pedestrians walking to goals while steering around each other
      (a small social-force simulation), so the motion depends on the others.

    Gaussian position noise of ``noise`` metres is added to every position (annotation noise).
    The same ``seed`` always gives the same trajectories.
    """
    n_trajectories = check_positive_int(n_trajectories, "n_trajectories")
    length = check_positive_int(length, "length", minimum=2)
    families = tuple(families)
    for fam in families:
        if fam not in SYNTHETIC_FAMILIES:
            raise ValueError(f"families: unknown family {fam!r}; expected some of {', '.join(SYNTHETIC_FAMILIES)}")
    if not families:
        raise ValueError("families: expected at least one family, got none")
    if not (dt > 0):
        raise ValueError(f"dt: expected a positive number of seconds, got {dt!r}")
    if not (noise >= 0):
        raise ValueError(f"noise: expected a non-negative number of metres, got {noise!r}")
    rng = np.random.default_rng(seed)
    labels = np.array([families[i % len(families)] for i in range(n_trajectories)])
    rng.shuffle(labels)
    paths = np.empty((n_trajectories, length, 2))
    for fam in families:
        idx = np.flatnonzero(labels == fam)
        if len(idx):
            paths[idx] = _FAMILY[fam](len(idx), length, dt, rng)
    paths += rng.normal(0.0, noise, size=paths.shape)
    frames = np.arange(length) * 10  # frame numbers in UCY's convention: 10 frames per annotation
    return [Trajectory(ident=i, frames=frames.copy(), xy=paths[i], dt=dt, unit="m", step=10,
                       source=f"synthetic(seed={seed})", family=str(labels[i]))
            for i in range(n_trajectories)]


def _start(n, rng):
    pos = rng.uniform(-5, 5, size=(n, 2))
    heading = rng.uniform(-np.pi, np.pi, size=n)
    speed = rng.uniform(0.5, 2.0, size=n)
    return pos, heading, speed


def _integrate(pos, heading, speed, dt):
    """Positions from per-step heading (n, T) and speed (n, T): the first position is ``pos``."""
    step = np.stack([np.cos(heading), np.sin(heading)], axis=-1) * (speed * dt)[..., None]
    step[:, 0] = 0.0
    return pos[:, None, :] + np.cumsum(step, axis=1)


def _constant_velocity(n, length, dt, rng):
    pos, heading, speed = _start(n, rng)
    return _integrate(pos, np.repeat(heading[:, None], length, 1), np.repeat(speed[:, None], length, 1), dt)


def _constant_turn(n, length, dt, rng):
    pos, heading, speed = _start(n, rng)
    rate = rng.uniform(0.1, 0.5, size=n) * rng.choice([-1.0, 1.0], size=n)
    t = np.arange(length) * dt
    return _integrate(pos, heading[:, None] + rate[:, None] * t, np.repeat(speed[:, None], length, 1), dt)


def _accelerate_brake(n, length, dt, rng):
    pos, heading, speed = _start(n, rng)
    accel = rng.uniform(0.1, 0.4, size=n) * rng.choice([-1.0, 1.0], size=n)
    t = np.arange(length) * dt
    speeds = np.clip(speed[:, None] + accel[:, None] * t, 0.0, 2.5)
    return _integrate(pos, np.repeat(heading[:, None], length, 1), speeds, dt)


def _stop_and_go(n, length, dt, rng):
    pos, heading, speed = _start(n, rng)
    t = np.arange(length)
    stop_at = rng.integers(2, max(3, length - 4), size=n)
    stop_for = rng.integers(2, max(3, length // 2), size=n)
    ramp = 2.0  # steps to ease in and out
    down = np.clip((t[None, :] - stop_at[:, None]) / ramp, 0, 1)
    up = np.clip((t[None, :] - (stop_at + stop_for)[:, None]) / ramp, 0, 1)
    factor = 1.0 - down + up
    return _integrate(pos, np.repeat(heading[:, None], length, 1), speed[:, None] * factor, dt)


def _social(n, length, dt, rng, group: int = 4):
    """Groups of ``group`` agents heading for goals across a 10 m square, avoiding each other."""
    out = np.empty((n, length, 2))
    for first in range(0, n, group):
        g = min(group, n - first)
        angle = rng.uniform(-np.pi, np.pi, size=g)
        start = np.stack([np.cos(angle), np.sin(angle)], 1) * 5 + rng.normal(0, 0.5, (g, 2))
        goal = -start + rng.normal(0, 1.0, (g, 2))           # cross the square: paths meet
        pref = rng.uniform(1.0, 1.6, size=g)                 # preferred speed, m/s
        pos = start.copy()
        vel = (goal - pos) / np.linalg.norm(goal - pos, axis=1, keepdims=True) * pref[:, None]
        tau, strength, reach = 0.5, 2.0, 0.6
        for t in range(length):
            out[first:first + g, t] = pos
            direction = goal - pos
            desired = direction / np.maximum(np.linalg.norm(direction, axis=1, keepdims=True), 1e-9) * pref[:, None]
            force = (desired - vel) / tau
            diff = pos[:, None, :] - pos[None, :, :]
            dist = np.linalg.norm(diff, axis=-1) + np.eye(g) * 1e9
            push = strength * np.exp(-dist / reach)[..., None] * diff / dist[..., None]
            force += push.sum(axis=1)
            vel = vel + force * dt
            speed = np.linalg.norm(vel, axis=1, keepdims=True)
            vel = vel * np.minimum(1.0, 2.0 / np.maximum(speed, 1e-9))   # at most 2 m/s
            pos = pos + vel * dt
    return out


_FAMILY = {
    "constant_velocity": _constant_velocity,
    "constant_turn": _constant_turn,
    "accelerate_brake": _accelerate_brake,
    "stop_and_go": _stop_and_go,
    "social": _social,
}


# --------------------------------------------------------------------------- splits and windows

def split_by_trajectory(trajectories: Sequence[Trajectory], fractions: Sequence[float] = (0.7, 0.15, 0.15),
                        *, seed: int = 0) -> tuple[list[Trajectory], ...]:
    """Split whole trajectories into parts (default train/validation/test = 70/15/15 %).

    Splitting by trajectory, never by window, keeps overlapping windows of one person out of
    two parts at once (otherwise the test set would contain near-copies of training windows).
    Returns one list per fraction, shuffled with ``seed``.
    """
    trajectories = list(trajectories)
    if not trajectories:
        raise ValueError("trajectories: expected at least one trajectory, got none")
    fractions = np.asarray(fractions, dtype=float)
    if fractions.ndim != 1 or len(fractions) < 2 or np.any(fractions < 0) or not np.isclose(fractions.sum(), 1.0):
        raise ValueError(f"fractions: expected two or more non-negative numbers summing to 1, got {fractions.tolist()}")
    order = np.random.default_rng(seed).permutation(len(trajectories))
    cuts = np.round(np.cumsum(fractions)[:-1] * len(trajectories)).astype(int)
    return tuple([trajectories[i] for i in part] for part in np.split(order, cuts))


def count_windows(length: int, k: int = 8, m: int = 12, stride: int = 1) -> int:
    """How many (k, m) windows ``make_windows`` cuts from a trajectory of ``length`` positions."""
    return max(0, (length - (k + m)) // stride + 1)


def make_windows(trajectories: Sequence[Trajectory], k: int = 8, m: int = 12, *, stride: int = 1) -> Windows:
    """Cut every trajectory into (observed ``k`` positions, following ``m`` positions) pairs.

    Windows slide by ``stride`` positions along each trajectory; a trajectory shorter than
    ``k + m`` gives none.  With ``k=8, m=12, stride=1`` this is the ETH/UCY benchmark's
    protocol (observe 3.2 s, predict 4.8 s at 2.5 Hz).
    """
    k = check_positive_int(k, "k")
    m = check_positive_int(m, "m")
    stride = check_positive_int(stride, "stride")
    if isinstance(trajectories, Trajectory):
        trajectories = [trajectories]
    obs, fut, tix, starts = [], [], [], []
    for i, traj in enumerate(trajectories):
        if not isinstance(traj, Trajectory):
            raise ValueError(f"trajectories[{i}]: expected a Trajectory, got {type(traj).__name__}")
        n = count_windows(len(traj), k, m, stride)
        if n == 0:
            continue
        s = np.arange(n) * stride
        idx = s[:, None] + np.arange(k + m)[None, :]
        block = traj.xy[idx]
        obs.append(block[:, :k])
        fut.append(block[:, k:])
        tix.append(np.full(n, i))
        starts.append(s)
    if not obs:
        return Windows(np.empty((0, k, 2)), np.empty((0, m, 2)), np.empty(0, int), np.empty(0, int))
    return Windows(np.concatenate(obs), np.concatenate(fut), np.concatenate(tix), np.concatenate(starts))


def subsample(trajectories: Sequence[Trajectory], every: int) -> list[Trajectory]:
    """Every ``every``-th position of each trajectory, once from each starting offset 0 .. every-1.

    Turns, e.g., TUD's 25 frames/s into UCY's 2.5 positions/s (``every=10``) while keeping all the data:
    a trajectory gives ``every`` thinned copies (those with fewer than 2 positions are dropped).
    """
    every = check_positive_int(every, "every")
    out = []
    for t in trajectories:
        for offset in range(every):
            index = np.arange(offset, len(t), every)
            if len(index) >= 2:
                out.append(Trajectory(ident=t.ident, frames=t.frames[index], xy=t.xy[index], dt=t.dt * every,
                                      unit=t.unit, step=t.step * every, source=t.source))
    return out


# --------------------------------------------------------------------------- displacements

def to_displacements(xy) -> np.ndarray:
    """Relative motion: the difference between consecutive positions along the time axis.

    ``xy`` of shape ``(..., T, 2)`` gives ``(..., T-1, 2)``.
    """
    xy = np.asarray(xy, dtype=float)
    if xy.ndim < 2 or xy.shape[-1] != 2 or xy.shape[-2] < 2:
        raise ValueError(f"xy: expected shape (..., T, 2) with T >= 2, got {xy.shape}")
    return np.diff(xy, axis=-2)


def from_displacements(start, displacements) -> np.ndarray:
    """Positions from a start position and the displacements that follow it.

    ``start (..., 2)`` and ``displacements (..., m, 2)`` give positions ``(..., m, 2)``:
    ``start + cumsum(displacements)`` (the start itself is not repeated).
    """
    start = np.asarray(start, dtype=float)
    displacements = np.asarray(displacements, dtype=float)
    if displacements.ndim < 2 or displacements.shape[-1] != 2:
        raise ValueError(f"displacements: expected shape (..., m, 2), got {displacements.shape}")
    if start.shape != displacements.shape[:-2] + (2,):
        raise ValueError(f"start: expected shape {displacements.shape[:-2] + (2,)} to match displacements "
                         f"{displacements.shape}, got {start.shape}")
    return start[..., None, :] + np.cumsum(displacements, axis=-2)
