"""A seeded synthetic video with exact ground truth: boxes, centres and visibility.

``synthetic_video`` draws a few objects (a disc, a square, a triangle ... each in its own
colour) moving over a textured, noisy background.  Objects lower in the frame are nearer the
camera: they are drawn larger and in front of objects higher up, so two objects that cross hide
each other the way pedestrians do.  Static occluders (pillars) stand in front of everything.

Nothing about the ground truth is guessed: every object is rendered as a pixel mask, and

- the box is the tight bounding box of the object's *full* mask (hidden parts included),
  clipped to the frame: ``left, top`` is the first pixel column/row, ``width, height`` the
  number of pixel columns/rows it spans (the MOTChallenge convention);
- ``visibility`` is the fraction of the object's mask pixels (inside the frame) that are seen,
  i.e. not covered by a nearer object or an occluder: 1 = fully visible, 0 = fully hidden.

Coordinates are pixels: ``x`` to the right, ``y`` down, the centre of pixel ``(row, col)`` at
``(x, y) = (col, row)``.  Frames are numbered from 0 (``gt.frame`` indexes ``frames``); object
ids from 1.

Example::

    clip = synthetic_video(200, seed=1)           # 200 frames of 96x96, 4 objects, 1 occluder
    clip.frames.shape                              # (200, 96, 96, 3) uint8
    clip.gt.head()                                 # frame id left top width height cx cy visibility
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd

from .validation import as_float_array, check_positive_int

__all__ = ["SyntheticVideo", "synthetic_video", "trajectories_to_pixels",
           "SHAPES", "COLOURS", "GT_COLUMNS", "TargetClips", "target_clips"]

SHAPES = ("disc", "square", "triangle")
#: Object colours (RGB), saturated so they stand out from the grey-green background.
COLOURS = np.array([
    (230, 40, 40),    # red
    (40, 90, 240),    # blue
    (250, 215, 30),   # yellow
    (220, 60, 220),   # magenta
    (30, 210, 220),   # cyan
    (250, 130, 20),   # orange
    (250, 250, 250),  # white
    (40, 200, 60),    # green
], dtype=np.uint8)
GT_COLUMNS = ["frame", "id", "left", "top", "width", "height", "cx", "cy", "visibility"]
_FAMILIES = ("crossing", "crossing", "straight", "turning")


@dataclass
class SyntheticVideo:
    """A synthetic clip and its ground truth (pixels; frames numbered from 0).

    Attributes
    ----------
    frames : (T, H, W, 3) uint8     the rendered RGB frames
    gt : DataFrame                  one row per (frame, object) with the object inside the frame:
                                    ``frame, id, left, top, width, height, cx, cy, visibility``
    centres : (n_objects, T, 2)     each object's centre ``(x, y)`` in pixels (NaN: absent)
    radii : (n_objects, T)          each object's size (radius of its disc, pixels)
    occluders : (k, 4) int          static occluders as ``left, top, width, height``
    background : (H, W, 3) uint8    the background without objects, occluders or noise
    shapes : list[str]              the shape of each object (id ``i + 1`` is ``shapes[i]``)
    colours : (n_objects, 3) uint8  the RGB colour of each object
    fps : float                     frames per second (for playback)
    seed : int                      the seed that made it
    masks : (T, n_objects, H, W) bool or None          full masks (``return_masks=True``)
    visible_masks : (T, n_objects, H, W) bool or None  the seen part of each mask
    """
    frames: np.ndarray
    gt: pd.DataFrame
    centres: np.ndarray
    radii: np.ndarray
    occluders: np.ndarray
    background: np.ndarray
    shapes: list = field(default_factory=list)
    colours: np.ndarray | None = None
    fps: float = 25.0
    seed: int | None = None
    masks: np.ndarray | None = None
    visible_masks: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.frames)

    def __repr__(self) -> str:
        t, h, w, _ = self.frames.shape
        return (f"SyntheticVideo({t} frames of {w}x{h} px, {len(self.shapes)} objects "
                f"{self.shapes}, {len(self.occluders)} occluder(s), seed={self.seed})")


# --------------------------------------------------------------------------- trajectories

def trajectories_to_pixels(tracks, width: int = 96, height: int = 96, *, n_frames: int | None = None,
                           margin: float = 12.0, jointly: bool = True, flip_y: bool = True) -> np.ndarray:
    """Fit trajectories in metres into a ``width x height`` frame: ``(n_objects, T, 2)`` pixels.

    ``tracks`` is a list of ``(n_i, 2)`` arrays (or objects with an ``.xy`` attribute, such as
    ``course_utils.data.Trajectory``).  One similarity transform (scale, shift, and a flip of
    ``y`` because image rows grow downwards) maps all of them into the frame, keeping ``margin``
    pixels free at the border, so relative speeds and distances are kept; ``jointly=False`` fits
    each trajectory on its own instead.  ``T`` is ``n_frames`` (default: the longest track);
    longer tracks are cut, shorter ones padded with NaN (the object is absent there).
    """
    arrays = []
    for i, tr in enumerate(tracks):
        xy = getattr(tr, "xy", tr)
        arrays.append(as_float_array(xy, f"tracks[{i}]", shape=(None, 2)))
    if not arrays:
        raise ValueError("tracks: expected at least one trajectory, got none")
    width = check_positive_int(width, "width")
    height = check_positive_int(height, "height")
    if not 0 <= margin < min(width, height) / 2:
        raise ValueError(f"margin: expected pixels in [0, {min(width, height) / 2}), got {margin!r}")
    T = check_positive_int(n_frames, "n_frames") if n_frames is not None else max(map(len, arrays))
    arrays = [a[:T] for a in arrays]

    def fit(points):
        lo, hi = points.min(axis=0), points.max(axis=0)
        span = np.maximum(hi - lo, 1e-9)
        scale = min((width - 1 - 2 * margin) / span[0], (height - 1 - 2 * margin) / span[1])
        mid = (lo + hi) / 2
        return scale, mid

    out = np.full((len(arrays), T, 2), np.nan)
    if jointly:
        scale, mid = fit(np.concatenate(arrays))
    for i, a in enumerate(arrays):
        if not jointly:
            scale, mid = fit(a)
        d = (a - mid) * scale
        if flip_y:
            d[:, 1] = -d[:, 1]
        out[i, :len(a), 0] = (width - 1) / 2 + d[:, 0]
        out[i, :len(a), 1] = (height - 1) / 2 + d[:, 1]
    return out


def _box_exit(q, u, lo, hi):
    """Distance from point ``q`` along unit direction ``u`` to the border of the box [lo, hi]."""
    dist = np.inf
    for k in range(2):
        if u[k] > 1e-12:
            dist = min(dist, (hi[k] - q[k]) / u[k])
        elif u[k] < -1e-12:
            dist = min(dist, (lo[k] - q[k]) / u[k])
    return dist


def _default_paths(n_objects, T, width, height, margin, radius, rng):
    """Seeded paths inside the frame: crossing pairs, straight lines, circular turns."""
    lo = np.array([margin, margin], float)
    hi = np.array([width - 1 - margin, height - 1 - margin], float)
    size = np.array([width - 1, height - 1], float)
    t = np.arange(T, dtype=float)
    frac = t / max(T - 1, 1)
    paths = np.empty((n_objects, T, 2))
    families = []
    i = 0
    while i < n_objects:
        fam = _FAMILIES[i % len(_FAMILIES)]
        if fam == "crossing" and i + 1 < n_objects and T > 2:
            q = lo + (hi - lo) * rng.uniform(0.25, 0.75, size=2)
            tc = float(np.clip(round(T * rng.uniform(0.35, 0.65)), 1, T - 2))
            a1 = rng.uniform(-np.pi, np.pi)
            a2 = a1 + rng.choice([-1, 1]) * rng.uniform(np.pi / 3, 2 * np.pi / 3)
            # the second object crosses a little lower so the depth order at the crossing is clear
            offsets = [np.zeros(2), np.array([0.0, 0.4 * radius])]
            for a, off in zip((a1, a2), offsets):
                qq = np.clip(q + off, lo, hi)
                u = np.array([np.cos(a), np.sin(a)])
                s_max = min(_box_exit(qq, u, lo, hi) / (T - 1 - tc), _box_exit(qq, -u, lo, hi) / tc)
                s = s_max * rng.uniform(0.6, 0.95)
                paths[i] = qq + np.outer(t - tc, u * s)
                families.append("crossing")
                i += 1
            continue
        if fam == "turning":
            for _ in range(200):
                R = min(width, height) * rng.uniform(0.2, 0.45)
                c = rng.uniform(0, 1, size=2) * size
                th0 = rng.uniform(-np.pi, np.pi)
                sweep = rng.choice([-1, 1]) * rng.uniform(np.pi / 2, 1.5 * np.pi)
                th = th0 + sweep * frac
                p = c + R * np.stack([np.cos(th), np.sin(th)], axis=1)
                if np.all(p >= lo) and np.all(p <= hi):
                    paths[i] = p
                    families.append("turning")
                    break
            else:
                fam = "straight"
        if fam != "turning":   # straight (also the fallback)
            for _ in range(200):
                p0, p1 = lo + (hi - lo) * rng.uniform(0, 1, size=(2, 2))
                if np.linalg.norm(p1 - p0) >= 0.6 * min(hi - lo):
                    break
            paths[i] = p0 + np.outer(frac, p1 - p0)
            families.append("straight")
        i += 1
    return paths, families


# --------------------------------------------------------------------------- rendering

def _smooth_noise(shape, sigma, rng):
    from scipy.ndimage import gaussian_filter
    field_ = gaussian_filter(rng.standard_normal(shape), sigma=(sigma, sigma, 0)[:len(shape)],
                             mode="wrap")
    return field_ / max(field_.std(), 1e-12)


def _background(height, width, rng):
    """Textured background: smooth grey-green blobs plus fine grain (no pixel noise)."""
    base = np.array([118.0, 124.0, 108.0])
    tint = _smooth_noise((height, width, 3), max(height, width) / 8, rng)
    lum = _smooth_noise((height, width), max(height, width) / 8, rng)[..., None]
    grain = _smooth_noise((height, width), 0.7, rng)[..., None]
    bg = base + 4.0 * tint + 20.0 * lum + 7.0 * grain
    return np.clip(np.rint(bg), 0, 255).astype(np.uint8)


def _occluder_texture(height, width):
    """Dark, vertically striped pillars: clearly not one of the objects."""
    x = np.arange(width)
    stripes = 10.0 * np.sin(x * 2 * np.pi / 6.0)
    tex = np.array([78.0, 66.0, 58.0]) + stripes[None, :, None] * np.ones((height, 1, 1))
    return np.clip(np.rint(tex), 0, 255).astype(np.uint8)


def _shape_masks(shape, dx, dy, r):
    """Boolean masks of one shape with centre offsets ``dx, dy`` and radius ``r`` (broadcast)."""
    if shape == "disc":
        return dx * dx + dy * dy <= r * r
    if shape == "square":
        a = 0.85 * r       # about the disc's area
        return (np.abs(dx) <= a) & (np.abs(dy) <= a)
    if shape == "triangle":   # equilateral, apex up, centroid at the centre
        R = 1.2 * r
        return (dy <= R / 2) & (dy >= -R + np.sqrt(3.0) * np.abs(dx))
    raise ValueError(f"shapes: unknown shape {shape!r}; expected one of {', '.join(SHAPES)}")


def _place_occluders(n_occluders, centres, radii, width, height, rng, n_candidates=12):
    """Pillars on objects' paths, each wide and tall enough to hide its object completely.

    Among a few random (object, frame) candidates, keep the one whose pillar hides the other
    objects least often and does not overlap the pillars already placed.
    """
    n_objects = len(centres)
    occ = []
    for _ in range(n_occluders):
        best, best_cost = None, np.inf
        for _ in range(n_candidates):
            i = int(rng.integers(n_objects))
            frames_in = np.flatnonzero(np.isfinite(centres[i, :, 0]))
            if len(frames_in) == 0:
                continue
            mid = frames_in[len(frames_in) * 3 // 10: max(len(frames_in) * 7 // 10, 1)]
            t = int(rng.choice(mid if len(mid) else frames_in))
            w = int(np.ceil(2.3 * np.nanmax(radii[i]))) + 2
            h = int(np.ceil(w * rng.uniform(1.6, 2.4)))
            left = int(np.clip(round(centres[i, t, 0] - w / 2), 0, width - 1))
            top = int(np.clip(round(centres[i, t, 1] - h / 2), 0, height - 1))
            box = (left, top, min(w, width - left), min(h, height - top))
            others = np.arange(n_objects) != i
            cx, cy, r = centres[others, :, 0], centres[others, :, 1], radii[others]
            with np.errstate(invalid="ignore"):
                hidden = ((np.abs(cx - (box[0] + box[2] / 2)) < box[2] / 2 + r)
                          & (np.abs(cy - (box[1] + box[3] / 2)) < box[3] / 2 + r))
            cost = hidden.sum() + sum(1000 for o in occ if _overlap(o, box))
            if cost < best_cost:
                best, best_cost = box, cost
        if best is not None:
            occ.append(best)
    return np.array(occ, dtype=int).reshape(-1, 4)


def _overlap(a, b):
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def _parse_occluders(occluders, width, height):
    if np.size(occluders) == 0:
        return np.zeros((0, 4), dtype=int)
    occ = as_float_array(occluders, "occluders", shape=(None, 4))
    if occ.size and (np.any(occ[:, 2:] <= 0)):
        raise ValueError("occluders: expected positive width and height in every row "
                         "(left, top, width, height)")
    return np.rint(occ).astype(int).reshape(-1, 4)


def synthetic_video(n_frames: int | None = None, *, width: int = 96, height: int = 96,
                    n_objects: int = 4, n_occluders: int = 1, trajectories=None, occluders=None,
                    shapes: Sequence[str] | None = None, object_size: float | None = None,
                    far_scale: float = 0.5, noise: float = 4.0, fps: float = 25.0, seed: int = 0,
                    return_masks: bool = False) -> SyntheticVideo:
    """Render a seeded synthetic clip with exact ground truth (see the module docstring).

    Parameters
    ----------
    n_frames : frames T (default 100, or the length of ``trajectories``)
    width, height : frame size in pixels (default 96 x 96)
    n_objects : number of objects (ignored when ``trajectories`` is given)
    n_occluders : number of static occluders placed automatically, each on some object's path
        so that the object passes fully behind it (ignored when ``occluders`` is given)
    trajectories : optional ``(n_objects, T, 2)`` object centres ``(x, y)`` in pixels, NaN where
        an object is absent (e.g. from ``trajectories_to_pixels``); default: seeded paths inside
        the frame, cycling through a crossing pair, a straight line and a circular turn
    occluders : optional ``(k, 4)`` pixel boxes ``left, top, width, height`` (``[]`` for none)
    shapes : shape of each object (``"disc"``, ``"square"``, ``"triangle"``); default cycles them
    object_size : radius in pixels of an object at the bottom of the frame (default
        ``min(width, height) / 10``, times a per-object factor in [0.85, 1.15])
    far_scale : size factor at the top of the frame (depth: farther = smaller), in (0, 1]
    noise : standard deviation of the Gaussian pixel noise, in grey levels (0 = none)
    fps : frames per second, stored for playback
    seed : the same seed gives the same clip, bit for bit
    return_masks : also return the full and visible masks ``(T, n_objects, H, W)`` bool
    """
    width = check_positive_int(width, "width", minimum=8)
    height = check_positive_int(height, "height", minimum=8)
    seed = check_positive_int(seed, "seed", minimum=0)
    if not 0 < far_scale <= 1:
        raise ValueError(f"far_scale: expected a number in (0, 1], got {far_scale!r}")
    if not noise >= 0:
        raise ValueError(f"noise: expected a non-negative number of grey levels, got {noise!r}")
    if not fps > 0:
        raise ValueError(f"fps: expected a positive number, got {fps!r}")
    rng = np.random.default_rng(seed)
    base = float(min(width, height) / 10 if object_size is None else object_size)
    if not base > 0:
        raise ValueError(f"object_size: expected a positive radius in pixels, got {object_size!r}")

    if trajectories is None:
        n_objects = check_positive_int(n_objects, "n_objects")
        T = 100 if n_frames is None else check_positive_int(n_frames, "n_frames")
        size_factor = rng.uniform(0.85, 1.15, size=n_objects)
        margin = base * size_factor.max() * 1.25 + 1
        if margin >= min(width, height) / 2 - 1:
            raise ValueError(f"object_size: {base:g} px is too large for a {width}x{height} frame")
        centres, _ = _default_paths(n_objects, T, width, height, margin, base, rng)
    else:
        centres = as_float_array(trajectories, "trajectories", shape=(None, None, 2), allow_nan=True)
        if np.isinf(centres).any():
            raise ValueError("trajectories: holds infinite values; use NaN for an absent object")
        n_objects, T = centres.shape[:2]
        if n_frames is not None and check_positive_int(n_frames, "n_frames") != T:
            raise ValueError(f"n_frames: got {n_frames} but trajectories has {T} frames "
                             f"(shape {centres.shape}); leave n_frames out")
        size_factor = rng.uniform(0.85, 1.15, size=n_objects)

    if shapes is None:
        shapes = [SHAPES[i % len(SHAPES)] for i in range(n_objects)]
    else:
        shapes = list(shapes)
        if len(shapes) != n_objects:
            raise ValueError(f"shapes: expected {n_objects} shapes (one per object), got {len(shapes)}")
        for s in shapes:
            if s not in SHAPES:
                raise ValueError(f"shapes: unknown shape {s!r}; expected one of {', '.join(SHAPES)}")
    colours = COLOURS[np.arange(n_objects) % len(COLOURS)]

    # depth: y = 0 (top) is far, y = H - 1 (bottom) is near; nearer objects are larger
    depth = np.clip(centres[..., 1] / (height - 1), 0.0, 1.0)
    radii = base * size_factor[:, None] * (far_scale + (1 - far_scale) * depth)    # (n, T)

    if occluders is None:
        n_occluders = check_positive_int(n_occluders, "n_occluders", minimum=0)
        occ = _place_occluders(n_occluders, centres, radii, width, height, rng)
    else:
        occ = _parse_occluders(occluders, width, height)
    occ_mask = np.zeros((height, width), bool)
    for left, top, w, h in occ:
        occ_mask[max(top, 0):max(top + h, 0), max(left, 0):max(left + w, 0)] = True

    background = _background(height, width, rng)
    occ_tex = _occluder_texture(height, width)
    frames = np.empty((T, height, width, 3), np.uint8)
    counts = np.zeros((T, n_objects), np.int64)
    seen = np.zeros((T, n_objects), np.int64)
    boxes = np.zeros((T, n_objects, 4), np.int64)
    masks_all = np.zeros((T, n_objects, height, width), bool) if return_masks else None
    vis_all = np.zeros((T, n_objects, height, width), bool) if return_masks else None

    Y, X = np.mgrid[0:height, 0:width].astype(np.float32)
    palette = np.concatenate([colours, np.zeros((1, 3), np.uint8)])   # index -1 -> unused
    chunk = max(1, int(4e6 // max(n_objects * height * width, 1)))
    for t0 in range(0, T, chunk):
        sl = slice(t0, min(t0 + chunk, T))
        cx = centres[:, sl, 0].T.astype(np.float32)[:, :, None, None]      # (c, n, 1, 1)
        cy = centres[:, sl, 1].T.astype(np.float32)[:, :, None, None]
        rr = radii[:, sl].T.astype(np.float32)[:, :, None, None]
        dx, dy = X - cx, Y - cy                                             # (c, n, H, W)
        mask = np.zeros(dx.shape, bool)
        for s in sorted(set(shapes)):
            idx = [i for i in range(n_objects) if shapes[i] == s]
            mask[:, idx] = _shape_masks(s, dx[:, idx], dy[:, idx], rr[:, idx])
        mask &= np.isfinite(cx) & np.isfinite(cy)
        # the nearest covering object (largest y) owns a pixel
        key = np.where(mask, np.nan_to_num(cy, nan=-1.0), -np.inf)
        front = key.argmax(axis=1)                                          # (c, H, W)
        covered = mask.any(axis=1)
        label = np.where(covered, front, -1)
        visible = (label[:, None] == np.arange(n_objects)[None, :, None, None]) & ~occ_mask
        counts[sl] = mask.sum(axis=(2, 3))
        seen[sl] = visible.sum(axis=(2, 3))
        rows = mask.any(axis=3)                                             # (c, n, H)
        cols = mask.any(axis=2)                                             # (c, n, W)
        top = rows.argmax(axis=2)
        bottom = height - 1 - rows[..., ::-1].argmax(axis=2)
        left = cols.argmax(axis=2)
        right = width - 1 - cols[..., ::-1].argmax(axis=2)
        boxes[sl] = np.stack([left, top, right - left + 1, bottom - top + 1], axis=-1)
        fr = np.where(covered[..., None], palette[label], background)
        fr = np.where(occ_mask[None, :, :, None], occ_tex, fr)
        frames[sl] = fr
        if return_masks:
            masks_all[sl] = mask
            vis_all[sl] = visible
    if noise > 0:
        noisy = frames.astype(np.float32)
        noisy += rng.standard_normal(frames.shape, dtype=np.float32) * np.float32(noise)
        np.clip(np.rint(noisy), 0, 255, out=noisy)
        frames = noisy.astype(np.uint8)

    present = counts > 0                                                    # (T, n)
    tt, ii = np.nonzero(present)
    gt = pd.DataFrame({
        "frame": tt.astype(np.int64),
        "id": (ii + 1).astype(np.int64),
        "left": boxes[tt, ii, 0], "top": boxes[tt, ii, 1],
        "width": boxes[tt, ii, 2], "height": boxes[tt, ii, 3],
        "cx": centres[ii, tt, 0], "cy": centres[ii, tt, 1],
        "visibility": seen[tt, ii] / counts[tt, ii],
    }, columns=GT_COLUMNS)
    return SyntheticVideo(frames=frames, gt=gt, centres=centres, radii=radii, occluders=occ,
                          background=background, shapes=shapes, colours=colours, fps=float(fps),
                          seed=seed, masks=masks_all, visible_masks=vis_all)


# --------------------------------------------------------------------------- many short clips, one target

@dataclass
class TargetClips:
    """Short synthetic clips, each following one *target* (object id 1, the red disc) that walks
    behind a pillar once, among distractors (a blue square, a yellow triangle, ...).

    frames : (n_clips, T, H, W, 3) uint8   the rendered frames
    centres : (n_clips, T, 2) float        the target's true centre ``(x, y)`` in pixels
    visibility : (n_clips, T) float        fraction of the target that is seen (0 = hidden)
    occluders : list of (k, 4) int         each clip's pillars, ``left, top, width, height``;
                                           the first one stands on the target's path
    seeds : (n_clips,) int                 the seed of each clip (``synthetic_video(seed=...)``)
    """
    frames: np.ndarray
    centres: np.ndarray
    visibility: np.ndarray
    occluders: list
    seeds: np.ndarray

    def __len__(self) -> int:
        return len(self.frames)

    def __repr__(self) -> str:
        n, t, h, w, _ = self.frames.shape
        hidden = float((self.visibility < 0.5).mean())
        return (f"TargetClips({n} clips of {t} frames, {w}x{h} px, {self.frames.nbytes / 2**20:.1f} MiB; "
                f"target less than half visible in {hidden:.0%} of frames)")


def _target_path(T, size, margin, rng):
    """A gently turning path that crosses the frame's middle third around frame T/2."""
    t = np.arange(T, dtype=float)
    for _ in range(500):
        tc = rng.uniform(0.4, 0.6) * (T - 1)
        q = np.array([rng.uniform(0.35, 0.65), rng.uniform(0.3, 0.75)]) * (size - 1)
        speed = rng.uniform(1.0, 1.5)
        heading = rng.uniform(-0.35, 0.35) + (np.pi if rng.random() < 0.5 else 0.0)
        turn = rng.uniform(-0.012, 0.012)                  # radians per frame
        angle = heading + turn * (t - tc)
        step = speed * np.stack([np.cos(angle), np.sin(angle)], axis=1)
        path = np.cumsum(step, axis=0)
        path = path - np.array([np.interp(tc, t, path[:, 0]), np.interp(tc, t, path[:, 1])]) + q
        if path.min() >= margin and path.max() <= size - 1 - margin:
            return path, q
    raise RuntimeError("could not place a target path; use a larger frame")   # pragma: no cover


def target_clips(n_clips: int, n_frames: int = 40, *, size: int = 64, n_distractors: int = 2,
                 n_decoys: int = 1, noise: float = 4.0, seed: int = 0) -> TargetClips:
    """Render ``n_clips`` seeded clips of ``n_frames`` frames of ``size x size`` pixels.

    In each clip the target (id 1, a red disc) moves at 1.0-1.5 px/frame along a gently turning
    path and passes behind a static pillar (12-16 px wide at 64 px) around the middle of the clip, at
    a random height, so it is fully hidden for several frames; ``n_decoys`` more pillars stand
    away from its path (so a single frame does not tell which pillar hides it); ``n_distractors``
    other objects cross the frame in straight lines (and may pass in front of the target).  Clip ``i`` is
    ``synthetic_video(trajectories=..., occluders=..., seed=seed * 100003 + i)``: the same
    ``seed`` gives the same clips, bit for bit.  Memory: ``n_clips * n_frames * size^2 * 3`` bytes.
    """
    n_clips = check_positive_int(n_clips, "n_clips")
    T = check_positive_int(n_frames, "n_frames", minimum=8)
    size = check_positive_int(size, "size", minimum=32)
    n_distractors = check_positive_int(n_distractors, "n_distractors", minimum=0)
    n_decoys = check_positive_int(n_decoys, "n_decoys", minimum=0)
    seed = check_positive_int(seed, "seed", minimum=0)
    if not noise >= 0:
        raise ValueError(f"noise: expected a non-negative number of grey levels, got {noise!r}")
    n_obj = 1 + n_distractors
    shapes = [SHAPES[i % len(SHAPES)] for i in range(n_obj)]
    margin = size / 14 * 1.2 + 1
    frames = np.empty((n_clips, T, size, size, 3), np.uint8)
    centres = np.empty((n_clips, T, 2))
    visibility = np.empty((n_clips, T))
    occluders = []
    reach = size / 14 * 1.15 + 1.5           # decoy pillars never touch the target (its largest radius + 1.5 px)
    seeds = np.empty(n_clips, np.int64)
    frac = np.linspace(0, 1, T)[:, None]
    for c in range(n_clips):
        clip_seed = seed * 100003 + c
        rng = np.random.default_rng([seed, c, 7])
        paths = np.empty((n_obj, T, 2))
        paths[0], q = _target_path(T, size, margin, rng)
        for k in range(1, n_obj):
            while True:
                p0, p1 = rng.uniform(margin, size - 1 - margin, size=(2, 2))
                if np.linalg.norm(p1 - p0) >= 0.5 * size:
                    break
            paths[k] = p0 + frac * (p1 - p0)
        w = rng.uniform(12, 16) * size / 64
        h = rng.uniform(24, 36) * size / 64
        # the pillar on the target's path; the target crosses it at a random height
        occ = [np.rint([q[0] - w / 2 + rng.uniform(-1, 1), q[1] - h * rng.uniform(0.25, 0.75), w, h]).astype(int)]
        for _ in range(n_decoys):      # pillars elsewhere: a hidden target could be behind any of them
            for _ in range(200):
                dw, dh = rng.uniform(12, 16) * size / 64, rng.uniform(20, 32) * size / 64
                box = np.rint([rng.uniform(0, size - dw), rng.uniform(0, size - dh), dw, dh]).astype(int)
                near = ((paths[0, :, 0] > box[0] - reach) & (paths[0, :, 0] < box[0] + box[2] + reach)
                        & (paths[0, :, 1] > box[1] - reach) & (paths[0, :, 1] < box[1] + box[3] + reach))
                if not near.any() and not any(_overlap(box, o) for o in occ):
                    occ.append(box)
                    break
        clip = synthetic_video(trajectories=paths, occluders=occ, shapes=shapes, width=size,
                               height=size, object_size=size / 14, noise=noise, seed=clip_seed)
        frames[c] = clip.frames
        centres[c] = paths[0]
        vis = np.zeros(T)
        rows = clip.gt[clip.gt["id"] == 1]
        vis[rows["frame"].to_numpy()] = rows["visibility"].to_numpy()
        visibility[c] = vis
        occluders.append(clip.occluders)
        seeds[c] = clip_seed
    return TargetClips(frames=frames, centres=centres, visibility=visibility, occluders=occluders, seeds=seeds)
