"""Classic detectors for real frames: a HOG people detector and background subtraction.

Both take RGB frames ``(H, W, 3) uint8`` (as :mod:`course_utils.video` reads them) and return
:class:`Detections`: ``boxes (n, 4)`` in pixels ``left, top, width, height`` (the MOTChallenge
convention) and ``scores (n,)`` (higher = more confident).

- :class:`HOGPeopleDetector`: the pedestrian detector of N. Dalal and B. Triggs ("Histograms of
  Oriented Gradients for Human Detection", CVPR 2005).  A 64x128-pixel window is described by
  3780 numbers (gradient-orientation histograms of 8x8-pixel cells, normalised over 16x16-pixel
  blocks); a linear SVM scores every window of an image pyramid; overlapping hits are grouped.
  OpenCV shipped this detector as ``cv2.HOGDescriptor`` up to version 4; OpenCV 5 moved it out of
  the main package, so it is re-implemented here in NumPy, step for step as OpenCV 4 computes it,
  with OpenCV's trained weights (``data/detections/hog_people_svm.txt``).  Where OpenCV 4 is
  installed, ``tests/test_detectors.py`` checks that both give the same descriptor and scores.
- :class:`MovingObjectDetector`: OpenCV's MOG2 background subtractor (a Gaussian mixture per
  pixel, Zivkovic 2004/2006) plus connected components: whatever moves and is large enough becomes a
  box.  It keeps state: feed it the frames of one static-camera sequence in order.

- :func:`detections_to_mot`, :func:`write_mot_detections`, :func:`read_mot_detections` store
  detections as MOTChallenge rows ``frame, -1, left, top, width, height, score, -1, -1, -1``.

OpenCV is imported when first needed.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple, Sequence

import numpy as np
import pandas as pd

from .validation import as_float_array, check_positive_int

__all__ = [
    "Detections", "HOG_WINDOW", "HOG_DESCRIPTOR_SIZE", "load_hog_people_svm", "hog_block_grid",
    "hog_descriptor", "hog_window_scores", "group_windows", "HOGPeopleDetector",
    "MovingObjectDetector", "foreground_boxes", "check_frame",
    "detections_to_mot", "write_mot_detections", "read_mot_detections",
]

#: The HOG detection window, ``(width, height)`` in pixels.
HOG_WINDOW = (64, 128)
_CELL, _BLOCK, _NBINS = 8, 16, 9
_BLOCKS_X = (HOG_WINDOW[0] - _BLOCK) // _CELL + 1        # 7 blocks across a window
_BLOCKS_Y = (HOG_WINDOW[1] - _BLOCK) // _CELL + 1        # 15 blocks down
_BLOCK_SIZE = 4 * _NBINS                                 # 2x2 cells of 9 bins = 36 numbers
#: Numbers in one window's HOG descriptor: 7 x 15 blocks x 36 = 3780.
HOG_DESCRIPTOR_SIZE = _BLOCKS_X * _BLOCKS_Y * _BLOCK_SIZE
_SVM_FILE = "hog_people_svm.txt"


class Detections(NamedTuple):
    """Boxes found in one frame: ``boxes (n, 4)`` pixels ``left, top, width, height``;
    ``scores (n,)``, higher = more confident."""
    boxes: np.ndarray
    scores: np.ndarray

    def __len__(self) -> int:  # the number of boxes, not the tuple's 2
        return len(self.boxes)


def _empty() -> Detections:
    return Detections(np.zeros((0, 4)), np.zeros(0))


def _cv2():
    try:
        import cv2
    except ImportError:  # pragma: no cover - the course environment has it
        raise ImportError("course_utils.detect needs OpenCV: pip install \"course-utils[video]\"") from None
    return cv2


def check_frame(frame, name: str = "frame") -> np.ndarray:
    """``frame`` as an ``(H, W, 3)`` uint8 RGB array (a grey ``(H, W)`` frame gets three equal
    channels); anything else raises ``ValueError`` naming what was given."""
    if frame is None:
        raise ValueError(f"{name}: expected an RGB image of shape (H, W, 3) and dtype uint8, got None")
    arr = np.asarray(frame)
    if arr.ndim == 2:
        arr = np.repeat(arr[..., None], 3, axis=-1)
    if arr.ndim != 3 or arr.shape[-1] != 3:
        raise ValueError(f"{name}: expected an RGB image of shape (H, W, 3), got shape {arr.shape}"
                         + (" (a batch of frames? pass one frame at a time)" if arr.ndim == 4 else ""))
    if arr.dtype != np.uint8:
        raise ValueError(f"{name}: expected dtype uint8 (0-255), got {arr.dtype}; convert with "
                         f"(x * 255).round().astype(np.uint8) for values in [0, 1]")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{name}: got an empty image of shape {arr.shape}")
    return arr


# --------------------------------------------------------------------------- HOG descriptor

def load_hog_people_svm(path=None) -> tuple[np.ndarray, float]:
    """The people detector's linear SVM: ``(weights (3780,) float32, bias)``.

    Default file: ``data/detections/hog_people_svm.txt`` (OpenCV's ``getDefaultPeopleDetector``;
    source and licence in its header).  Weights are in OpenCV's descriptor order (see
    :func:`hog_descriptor`).
    """
    if path is None:
        from .data import data_dir
        path = data_dir() / "detections" / _SVM_FILE
    path = Path(os.fspath(path))
    if not path.is_file():
        raise FileNotFoundError(f"HOG SVM weights not found: {str(path)!r}")
    try:
        values = np.loadtxt(path, dtype=np.float32, comments="#", ndmin=1)
    except ValueError as exc:
        raise ValueError(f"{path}: expected one number per line ({exc})") from None
    if values.shape != (HOG_DESCRIPTOR_SIZE + 1,):
        raise ValueError(f"{path}: expected {HOG_DESCRIPTOR_SIZE + 1} numbers (3780 weights and a bias), "
                         f"got {values.size}")
    return values[:-1].copy(), float(values[-1])


def _gradient_bins(frame: np.ndarray, pad: int) -> np.ndarray:
    """Per pixel of the frame padded by ``pad`` on every side: the gradient magnitude split
    between the two nearest of 9 orientation bins -> ``(H + 2 pad, W + 2 pad, 9)`` float32.

    As OpenCV: square-root gamma, centred differences, per pixel the colour channel with the
    largest gradient, unsigned orientation (0-180 degrees) in 20-degree bins, linear
    interpolation between neighbouring bins, mirrored borders (reflect-101).
    """
    lut = np.sqrt(np.arange(256, dtype=np.float32))
    img = lut[frame[..., ::-1]]                       # BGR: OpenCV's channel order breaks ties
    p = np.pad(img, ((pad + 1, pad + 1), (pad + 1, pad + 1), (0, 0)), mode="reflect")
    dx = p[1:-1, 2:] - p[1:-1, :-2]
    dy = p[2:, 1:-1] - p[:-2, 1:-1]
    mag2 = dx * dx + dy * dy
    best = np.argmax(mag2, axis=-1)[..., None]        # first maximum: OpenCV's tie-break
    dx = np.take_along_axis(dx, best, -1)[..., 0]
    dy = np.take_along_axis(dy, best, -1)[..., 0]
    mag = np.sqrt(dx * dx + dy * dy)
    angle = np.arctan2(dy, dx)
    angle = np.where(angle < 0, angle + np.float32(2 * np.pi), angle).astype(np.float32)
    a = angle * np.float32(_NBINS / np.pi) - np.float32(0.5)
    lo = np.floor(a)
    frac = a - lo
    lo = lo.astype(np.int64) % _NBINS
    hi = (lo + 1) % _NBINS
    out = np.zeros(mag.shape + (_NBINS,), np.float32)
    np.put_along_axis(out, lo[..., None], (mag * (1 - frac))[..., None], axis=-1)
    hi_val = np.take_along_axis(out, hi[..., None], -1) + (mag * frac)[..., None]
    np.put_along_axis(out, hi[..., None], hi_val, axis=-1)
    return out


def _block_weights() -> np.ndarray:
    """``(2, 2, 16, 16)`` weight of each pixel of a block for cell ``(cx, cy)``: a Gaussian over
    the block (sigma 4 px) times bilinear interpolation between the cells' centres."""
    idx = np.arange(_BLOCK, dtype=np.float64)
    gauss = np.exp(-((idx[:, None] - 8) ** 2 + (idx[None, :] - 8) ** 2) / (2 * 4.0 ** 2))
    tri = np.stack([np.clip(1 - np.abs((idx + 0.5) / _CELL - 0.5 - c), 0, None) for c in (0, 1)])
    # w[cx, cy, i (row), j (column)]
    return (gauss[None, None] * tri[None, :, :, None] * tri[:, None, None, :]).astype(np.float32)


_WEIGHTS = _block_weights()
# the same weights per tile position: [v (row in tile), u (column in tile), a, b, cx, cy]
_TILE_WEIGHTS = np.ascontiguousarray(
    _WEIGHTS.reshape(2, 2, 2, _CELL, 2, _CELL).transpose(3, 5, 2, 4, 0, 1))


def hog_block_grid(frame, *, padding: int = 0) -> np.ndarray:
    """Normalised HOG blocks on an 8-pixel grid: ``(rows, cols, 36)`` float32.

    Block ``[i, j]`` covers pixels ``8i .. 8i+15`` (rows) and ``8j .. 8j+15`` (columns) of the frame
    padded by ``padding`` pixels (mirrored) on every side; its 36 numbers are the 9-bin
    histograms of its 2x2 cells (in OpenCV's order: cell (x0, y0), (x0, y1), (x1, y0), (x1, y1)),
    L2-Hys normalised (scale to unit length, clip at 0.2, rescale).
    """
    frame = check_frame(frame)
    padding = check_positive_int(padding, "padding", minimum=0)
    if padding % _CELL:
        raise ValueError(f"padding: expected a multiple of {_CELL} pixels, got {padding}")
    o = _gradient_bins(frame, padding)
    H, W = o.shape[:2]
    ty, tx = H // _CELL, W // _CELL
    if ty < 2 or tx < 2:
        raise ValueError(f"frame: expected at least {_BLOCK}x{_BLOCK} pixels (with padding), got "
                         f"{frame.shape[1]}x{frame.shape[0]}")
    tiles = o[:ty * _CELL, :tx * _CELL].reshape(ty, _CELL, tx, _CELL, _NBINS)
    # each 8x8 tile's contribution to each cell of each block it belongs to: one matrix product
    part = np.tensordot(tiles, _TILE_WEIGHTS, axes=([1, 3], [0, 1]))       # (ty, tx, 9, a, b, cx, cy)
    hist = np.zeros((ty - 1, tx - 1, _NBINS, 2, 2), np.float32)            # [.., bin, cx, cy]
    for a in (0, 1):                   # tile row inside the block
        for b in (0, 1):               # tile column inside the block
            hist += part[a:ty - 1 + a, b:tx - 1 + b, :, a, b]
    hist = hist.transpose(0, 1, 3, 4, 2)                                   # [.., cx, cy, bin]
    blocks = hist.reshape(ty - 1, tx - 1, _BLOCK_SIZE)
    norm = np.sqrt((blocks * blocks).sum(-1, keepdims=True))
    blocks = np.minimum(blocks / (norm + np.float32(0.1 * _BLOCK_SIZE)), np.float32(0.2))
    norm = np.sqrt((blocks * blocks).sum(-1, keepdims=True))
    return (blocks / (norm + np.float32(1e-3))).astype(np.float32)


def hog_descriptor(window) -> np.ndarray:
    """The HOG descriptor of one 64x128 window ``(128, 64, 3)`` uint8 -> ``(3780,)`` float32.

    7 x 15 overlapping blocks of 36 numbers, in OpenCV's order (block columns outer, block rows
    inner), so ``weights @ hog_descriptor(w) + bias`` is the people detector's score.
    """
    window = check_frame(window, "window")
    if window.shape[:2] != (HOG_WINDOW[1], HOG_WINDOW[0]):
        raise ValueError(f"window: expected a {HOG_WINDOW[0]}x{HOG_WINDOW[1]} image (shape (128, 64, 3)), "
                         f"got shape {window.shape}; resize it first")
    grid = hog_block_grid(window)                       # (15, 7, 36)
    return grid.transpose(1, 0, 2).reshape(-1)


def hog_window_scores(frame, weights=None, bias: float | None = None, *, padding: int = 8) -> np.ndarray:
    """The SVM score of every 64x128 window on an 8-pixel grid: ``(rows, cols)`` float.

    ``scores[i, j]`` belongs to the window whose top-left corner is pixel
    ``(x, y) = (8 j - padding, 8 i - padding)`` of ``frame``.  Default weights: the people detector.
    """
    if weights is None:
        weights, default_bias = load_hog_people_svm()
        bias = default_bias if bias is None else bias
    weights = np.asarray(weights, np.float32).reshape(-1)
    if weights.shape != (HOG_DESCRIPTOR_SIZE,):
        raise ValueError(f"weights: expected {HOG_DESCRIPTOR_SIZE} numbers, got shape {weights.shape}")
    grid = hog_block_grid(frame, padding=padding)
    rows, cols = grid.shape[0] - _BLOCKS_Y + 1, grid.shape[1] - _BLOCKS_X + 1
    if rows < 1 or cols < 1:
        return np.zeros((max(rows, 0), max(cols, 0)))
    w = weights.reshape(_BLOCKS_X, _BLOCKS_Y, _BLOCK_SIZE)       # [block column, block row, 36]
    # every block against every block position of the window, then add along the diagonals
    per = np.tensordot(grid, w, axes=([2], [2]))                # (R, C, 7, 15)
    out = np.zeros((rows, cols), np.float64)
    for bx in range(_BLOCKS_X):
        for by in range(_BLOCKS_Y):
            out += per[by:by + rows, bx:bx + cols, bx, by]
    return out + (0.0 if bias is None else float(bias))


def group_windows(boxes, scores, *, min_neighbours: int = 2, eps: float = 0.2) -> Detections:
    """Merge overlapping hits into one box each (OpenCV's ``groupRectangles``, as its HOG uses it).

    Two boxes are *similar* when each of their four sides differs by at most
    ``eps * (min of widths + min of heights) / 2``; groups are the chains of similar boxes.  A
    group of more than ``min_neighbours`` boxes becomes their average box (rounded to whole
    pixels) with the group's best score; a group inside a larger, stronger group is dropped.
    """
    b = np.zeros((0, 4)) if np.size(boxes) == 0 else as_float_array(boxes, "boxes", shape=(None, 4))
    s = np.asarray(scores, float).reshape(-1)
    if len(s) != len(b):
        raise ValueError(f"scores: expected {len(b)} scores (one per box), got {len(s)}")
    min_neighbours = check_positive_int(min_neighbours, "min_neighbours", minimum=0)
    if min_neighbours == 0 or len(b) == 0:
        return Detections(b.copy(), s.copy())
    n = len(b)
    delta = eps * (np.minimum(b[:, None, 2], b[None, :, 2]) + np.minimum(b[:, None, 3], b[None, :, 3])) * 0.5
    x2, y2 = b[:, 0] + b[:, 2], b[:, 1] + b[:, 3]
    similar = ((np.abs(b[:, None, 0] - b[None, :, 0]) <= delta) & (np.abs(b[:, None, 1] - b[None, :, 1]) <= delta)
               & (np.abs(x2[:, None] - x2[None, :]) <= delta) & (np.abs(y2[:, None] - y2[None, :]) <= delta))
    from scipy.sparse.csgraph import connected_components
    n_groups, label = connected_components(similar, directed=False)
    count = np.bincount(label, minlength=n_groups)
    mean = np.stack([np.bincount(label, b[:, k], n_groups) for k in range(4)], axis=1) / count[:, None]
    mean = np.rint(mean)
    best = np.full(n_groups, -np.inf)
    np.maximum.at(best, label, s)
    keep = []
    for i in range(n_groups):
        if count[i] <= min_neighbours:
            continue
        r1, n1 = mean[i], count[i]
        inside = False
        for j in range(n_groups):
            if j == i or count[j] <= min_neighbours:
                continue
            r2, n2 = mean[j], count[j]
            dx, dy = np.rint(r2[2] * eps), np.rint(r2[3] * eps)
            if (r1[0] >= r2[0] - dx and r1[1] >= r2[1] - dy and r1[0] + r1[2] <= r2[0] + r2[2] + dx
                    and r1[1] + r1[3] <= r2[1] + r2[3] + dy and (n2 > max(3, n1) or n1 < 3)):
                inside = True
                break
        if not inside:
            keep.append(i)
    return Detections(mean[keep].reshape(-1, 4), best[keep])


def _clip(boxes: np.ndarray, width: int, height: int) -> np.ndarray:
    """Intersect boxes with the frame ``[0, width) x [0, height)``."""
    x1 = np.clip(boxes[:, 0], 0, width)
    y1 = np.clip(boxes[:, 1], 0, height)
    x2 = np.clip(boxes[:, 0] + boxes[:, 2], 0, width)
    y2 = np.clip(boxes[:, 1] + boxes[:, 3], 0, height)
    return np.stack([x1, y1, x2 - x1, y2 - y1], axis=1)


class HOGPeopleDetector:
    """Dalal-Triggs people detector (HOG + linear SVM) over an image pyramid, in NumPy.

    Parameters (OpenCV's ``detectMultiScale`` defaults where it has them)
    ----------
    hit_threshold : a window is a hit when its SVM score is at least this (0: the SVM's boundary)
    scale_step : the pyramid shrinks the frame by this factor per level (1.05: 5 % steps), until
        it is smaller than the 64x128 window, so people from 128 pixels tall upwards are found
    padding : pixels of mirrored border, so windows may stick out of the frame by this much
    min_neighbours, eps : grouping of overlapping hits (:func:`group_windows`)
    person_box : ``(fx, fy)``: the returned box is the centred ``fx x fy`` part of the window.  The
        detector was trained on 64x128 crops in which the person fills the middle: about 96 of the
        128 rows and half the columns (the INRIA Person crops), so ``(0.5, 0.75)`` turns a window
        into a box around the person, as ground truth draws it; ``(1, 1)`` keeps whole windows.
    weights, bias : another linear SVM on the same descriptor (default: the people detector)
    """

    def __init__(self, *, hit_threshold: float = 0.0, scale_step: float = 1.05, padding: int = 8,
                 min_neighbours: int = 2, eps: float = 0.2, person_box=(0.5, 0.75),
                 weights=None, bias: float | None = None):
        if not np.isfinite(hit_threshold):
            raise ValueError(f"hit_threshold: expected a finite number, got {hit_threshold!r}")
        if not (np.isfinite(scale_step) and scale_step > 1):
            raise ValueError(f"scale_step: expected a number > 1 (e.g. 1.05), got {scale_step!r}")
        self.padding = check_positive_int(padding, "padding", minimum=0)
        if self.padding % _CELL:
            raise ValueError(f"padding: expected a multiple of {_CELL} pixels, got {padding}")
        fx, fy = (float(v) for v in person_box)
        if not (0 < fx <= 1 and 0 < fy <= 1):
            raise ValueError(f"person_box: expected two fractions in (0, 1], got {person_box!r}")
        if weights is None:
            weights, default_bias = load_hog_people_svm()
            bias = default_bias if bias is None else bias
        self.weights = np.asarray(weights, np.float32).reshape(-1)
        if self.weights.shape != (HOG_DESCRIPTOR_SIZE,):
            raise ValueError(f"weights: expected {HOG_DESCRIPTOR_SIZE} numbers, got {self.weights.size}")
        self.bias = 0.0 if bias is None else float(bias)
        self.hit_threshold = float(hit_threshold)
        self.scale_step = float(scale_step)
        self.min_neighbours = check_positive_int(min_neighbours, "min_neighbours", minimum=0)
        self.eps = float(eps)
        self.person_box = (fx, fy)
        self.last_windows = None

    def scales(self, width: int, height: int) -> list[float]:
        """The pyramid's scale factors for a ``width x height`` frame (1, 1.05, 1.1025, ...)."""
        out, s = [], 1.0
        while round(width / s) >= HOG_WINDOW[0] and round(height / s) >= HOG_WINDOW[1] and len(out) < 64:
            out.append(s)
            s *= self.scale_step
        return out

    def windows(self, frame) -> Detections:
        """Every window that scores at least ``hit_threshold``, at every scale, before grouping:
        boxes in pixels of ``frame`` (whole 64x128 windows, scaled)."""
        cv2 = _cv2()
        frame = check_frame(frame)
        H, W = frame.shape[:2]
        boxes, scores = [], []
        for s in self.scales(W, H):
            size = (int(round(W / s)), int(round(H / s)))
            img = frame if size == (W, H) else cv2.resize(frame, size, interpolation=cv2.INTER_LINEAR_EXACT)
            sc = hog_window_scores(img, self.weights, self.bias, padding=self.padding)
            i, j = np.nonzero(sc >= self.hit_threshold)
            if len(i) == 0:
                continue
            x = np.rint((j * _CELL - self.padding) * s)
            y = np.rint((i * _CELL - self.padding) * s)
            wh = np.broadcast_to([round(HOG_WINDOW[0] * s), round(HOG_WINDOW[1] * s)], (len(i), 2))
            boxes.append(np.column_stack([x, y, wh]))
            scores.append(sc[i, j])
        if not boxes:
            return _empty()
        return Detections(np.concatenate(boxes).astype(float), np.concatenate(scores))

    def detect(self, frame) -> Detections:
        """People in ``frame (H, W, 3) uint8``: grouped hits, clipped to the frame, shrunk to
        ``person_box``; scores are the best SVM score of each group.  The hits before grouping
        are kept in ``self.last_windows`` (see :meth:`windows`)."""
        frame = check_frame(frame)
        H, W = frame.shape[:2]
        raw = self.last_windows = self.windows(frame)
        grouped = group_windows(raw.boxes, raw.scores, min_neighbours=self.min_neighbours, eps=self.eps)
        boxes = _clip(grouped.boxes, W, H)
        ok = (boxes[:, 2] > 0) & (boxes[:, 3] > 0)
        boxes, scores = boxes[ok], grouped.scores[ok]
        fx, fy = self.person_box
        shrunk = np.column_stack([boxes[:, 0] + boxes[:, 2] * (1 - fx) / 2, boxes[:, 1] + boxes[:, 3] * (1 - fy) / 2,
                                  boxes[:, 2] * fx, boxes[:, 3] * fy])
        return Detections(shrunk, scores)

    __call__ = detect

    def __repr__(self) -> str:
        return (f"HOGPeopleDetector(hit_threshold={self.hit_threshold:g}, scale_step={self.scale_step:g}, "
                f"padding={self.padding}, min_neighbours={self.min_neighbours}, person_box={self.person_box})")


# --------------------------------------------------------------------------- background subtraction

def foreground_boxes(mask, *, min_area: int = 150, open_size: int = 0, close_size=(7, 15),
                     min_height_ratio: float = 1.0) -> Detections:
    """Boxes around the connected regions of a foreground mask ``(H, W)`` (nonzero = foreground).

    The mask is first cleaned: an opening with an ``open_size`` disc removes specks (0: none); a
    closing with a ``close_size = (width, height)`` rectangle joins the pieces of one person (legs,
    torso, head), which a tall kernel does best.  Regions of fewer than ``min_area`` pixels, or
    less than ``min_height_ratio`` times as tall as wide, are dropped (people are tall).  The score
    is the fraction of the box that is foreground.
    """
    cv2 = _cv2()
    m = np.asarray(mask)
    if m.ndim != 2 or m.size == 0:
        raise ValueError(f"mask: expected a non-empty (H, W) array, got shape {m.shape}")
    m = (m != 0).astype(np.uint8)
    min_area = check_positive_int(min_area, "min_area", minimum=0)
    open_size = check_positive_int(open_size, "open_size", minimum=0)
    if open_size:
        m = cv2.morphologyEx(m, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (open_size, open_size)))
    if close_size is not None:
        kw, kh = (check_positive_int(v, "close_size") for v in close_size)
        m = cv2.morphologyEx(m, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (kw, kh)))
    n, _, stats, _ = cv2.connectedComponentsWithStats(m, connectivity=8)
    st = stats[1:].astype(float)
    keep = (st[:, 4] >= min_area) & (st[:, 3] >= min_height_ratio * st[:, 2])
    st = st[keep]
    return Detections(st[:, :4].copy(), st[:, 4] / (st[:, 2] * st[:, 3]))


class MovingObjectDetector:
    """Background subtraction (OpenCV's MOG2) + connected components, for a static camera.

    ``detect(frame)`` updates the per-pixel background model with the frame, marks the pixels
    that do not fit it (``self.mask``: 255 foreground, 127 shadow, 0 background; shadows are
    ignored) and returns :func:`foreground_boxes` of the foreground.  The first frame only starts
    the background model (MOG2 marks every pixel of it as foreground), so it gives no boxes.  Feed
    the frames of *one* sequence in order; ``reset()`` before another.  Sizes are in pixels of the frames given
    (the course's defaults suit TUD at half size, 320x240).

    history : how many recent frames the background model remembers
    var_threshold : squared Mahalanobis distance above which a pixel is foreground (MOG2: 16)
    """

    def __init__(self, *, history: int = 500, var_threshold: float = 16.0, min_area: int = 150,
                 open_size: int = 0, close_size=(7, 15), min_height_ratio: float = 1.0):
        self.history = check_positive_int(history, "history")
        if not (np.isfinite(var_threshold) and var_threshold > 0):
            raise ValueError(f"var_threshold: expected a positive number, got {var_threshold!r}")
        self.var_threshold = float(var_threshold)
        self.box_options = dict(min_area=min_area, open_size=open_size, close_size=close_size,
                                min_height_ratio=min_height_ratio)
        foreground_boxes(np.zeros((2, 2), np.uint8), **self.box_options)   # validate the options now
        self.mask = None
        self.reset()

    def reset(self) -> None:
        """Forget the background (before a new sequence)."""
        cv2 = _cv2()
        self._model = cv2.createBackgroundSubtractorMOG2(history=self.history, varThreshold=self.var_threshold,
                                                         detectShadows=True)
        self._shape = None
        self.mask = None
        self.frames_seen = 0

    def detect(self, frame) -> Detections:
        frame = check_frame(frame)
        if self._shape is not None and frame.shape != self._shape:
            raise ValueError(f"frame: expected the same size as the previous frames {self._shape}, got "
                             f"{frame.shape}; call reset() before a new sequence")
        self._shape = frame.shape
        self.mask = self._model.apply(np.ascontiguousarray(frame))
        self.frames_seen += 1
        if self.frames_seen == 1:
            return _empty()
        return foreground_boxes(self.mask == 255, **self.box_options)

    __call__ = detect

    def __repr__(self) -> str:
        return f"MovingObjectDetector(history={self.history}, var_threshold={self.var_threshold:g}, {self.box_options})"


# --------------------------------------------------------------------------- MOTChallenge files

_MOT_COLUMNS = ["frame", "id", "left", "top", "width", "height", "conf", "x", "y", "z"]


def detections_to_mot(frame_numbers: Sequence[int], detections: Sequence[Detections], *,
                      scale: float = 1.0) -> pd.DataFrame:
    """One DataFrame of MOTChallenge rows from per-frame detections.

    frame_numbers : (T,) the MOT frame number of each entry of ``detections``
    scale : the detections' frames were this many times the original size (e.g. 0.5): boxes are
        divided by it, so the rows are in the original pixels, like ``gt/gt.txt``
    """
    numbers = np.asarray(frame_numbers).reshape(-1)
    if len(numbers) != len(detections):
        raise ValueError(f"frame_numbers: expected {len(detections)} numbers (one per entry of detections), "
                         f"got {len(numbers)}")
    if not (np.isfinite(scale) and scale > 0):
        raise ValueError(f"scale: expected a positive number, got {scale!r}")
    parts = []
    for n, det in zip(numbers, detections):
        boxes = np.asarray(det.boxes, float).reshape(-1, 4) / scale
        scores = np.asarray(det.scores, float).reshape(-1)
        part = np.full((len(boxes), 10), -1.0)
        part[:, 0] = n
        part[:, 2:6] = boxes
        part[:, 6] = scores
        parts.append(part)
    df = pd.DataFrame(np.concatenate(parts) if parts else np.zeros((0, 10)), columns=_MOT_COLUMNS)
    df[["frame", "id"]] = df[["frame", "id"]].astype(np.int64)
    return df


def write_mot_detections(df: pd.DataFrame, path) -> Path:
    """Write rows ``frame, -1, left, top, width, height, score, -1, -1, -1`` (2 decimals for
    pixels, 4 for scores), sorted by frame.  Missing folder -> ``FileNotFoundError``."""
    path = Path(os.fspath(path))
    if not path.parent.is_dir():
        raise FileNotFoundError(f"folder not found: {str(path.parent)!r}")
    missing = [c for c in ("frame", "left", "top", "width", "height", "conf") if c not in df]
    if missing:
        raise ValueError(f"df: missing column(s) {missing}")
    df = df.sort_values("frame", kind="stable")
    with open(path, "w", encoding="utf-8") as fh:
        for r in df[["frame", "left", "top", "width", "height", "conf"]].itertuples(index=False):
            fh.write(f"{int(r.frame)},-1,{r.left:.2f},{r.top:.2f},{r.width:.2f},{r.height:.2f},{r.conf:.4f},-1,-1,-1\n")
    return path


def read_mot_detections(path, *, n_frames: int | None = None, scale: float = 1.0) -> pd.DataFrame:
    """Read a MOTChallenge detection file into a DataFrame with columns
    ``frame, id, left, top, width, height, conf, x, y, z``; boxes multiplied by ``scale`` (to match
    frames read at that scale).  ``n_frames`` (default: no limit) bounds the frame numbers.
    Missing file -> ``FileNotFoundError``; a malformed row -> ``ValueError`` naming the line."""
    from .video import _read_mot_txt
    path = Path(os.fspath(path))
    df = _read_mot_txt(path, 10 ** 9 if n_frames is None else check_positive_int(n_frames, "n_frames"))
    if scale != 1:
        df[["left", "top", "width", "height"]] *= scale
    return df
