"""Classic detectors for real frames: a HOG people detector and background subtraction.

Both take RGB frames ``(H, W, 3) uint8`` (as :mod:`course_utils.video` reads them) and return
:class:`Detections`: ``boxes (n, 4)`` in pixels ``left, top, width, height`` (the MOTChallenge
convention) and ``scores (n,)`` (higher = more confident).

- :class:`HOGPeopleDetector`: the pedestrian detector of N. Dalal and B. Triggs ("Histograms of
  Oriented Gradients for Human Detection", CVPR 2005).  A 64x128-pixel window is described by
  3780 numbers (gradient-orientation histograms of 8x8-pixel cells, normalised over 16x16-pixel
  blocks); a linear SVM scores every window of an image pyramid; overlapping hits are grouped.
  This is OpenCV's ``cv2.HOGDescriptor`` with its trained default people detector; the class adds
  input checks, deterministic scores and boxes shrunk from the window to the person.
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

from .validation import check_positive_int

__all__ = [
    "Detections", "HOG_WINDOW", "HOG_DESCRIPTOR_SIZE", "load_hog_people_svm", "hog_descriptor",
    "HOGPeopleDetector", "MovingObjectDetector", "foreground_boxes", "check_frame",
    "detections_to_mot", "write_mot_detections", "read_mot_detections",
]

#: The HOG detection window, ``(width, height)`` in pixels.
HOG_WINDOW = (64, 128)
_CELL = 8                                                # pixels per cell side; windows move by one cell
#: Numbers in one window's HOG descriptor: 7 x 15 blocks of 2x2 cells x 9 bins = 3780.
HOG_DESCRIPTOR_SIZE = 7 * 15 * 36


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


# --------------------------------------------------------------------------- HOG people detector

def _bgr(frame: np.ndarray) -> np.ndarray:
    """RGB -> the contiguous BGR array OpenCV expects (the channel order only breaks ties
    between channels with equally strong gradients, but this is how OpenCV is normally fed)."""
    return np.ascontiguousarray(frame[..., ::-1])


def load_hog_people_svm() -> tuple[np.ndarray, float]:
    """The people detector's linear SVM, as OpenCV ships it
    (``cv2.HOGDescriptor_getDefaultPeopleDetector()``): ``(weights (3780,) float32, bias)``;
    a window's score is ``weights @ hog_descriptor(window) + bias``."""
    svm = np.asarray(_cv2().HOGDescriptor_getDefaultPeopleDetector(), np.float32).reshape(-1)
    return svm[:-1].copy(), float(svm[-1])


def hog_descriptor(window) -> np.ndarray:
    """The HOG descriptor of one 64x128 window ``(128, 64, 3)`` uint8 -> ``(3780,)`` float32
    (OpenCV's ``HOGDescriptor().compute``).

    7 x 15 overlapping blocks of 2x2 cells x 9 orientation bins = 36 numbers each, in OpenCV's
    order (block columns outer, block rows inner), so ``weights @ hog_descriptor(w) + bias`` is the
    people detector's score (:func:`load_hog_people_svm`).
    """
    window = check_frame(window, "window")
    if window.shape[:2] != (HOG_WINDOW[1], HOG_WINDOW[0]):
        raise ValueError(f"window: expected a {HOG_WINDOW[0]}x{HOG_WINDOW[1]} image (shape (128, 64, 3)), "
                         f"got shape {window.shape}; resize it first")
    return np.asarray(_cv2().HOGDescriptor().compute(_bgr(window)), np.float32).reshape(-1)


def _clip(boxes: np.ndarray, width: int, height: int) -> np.ndarray:
    """Intersect boxes with the frame ``[0, width) x [0, height)``."""
    x1 = np.clip(boxes[:, 0], 0, width)
    y1 = np.clip(boxes[:, 1], 0, height)
    x2 = np.clip(boxes[:, 0] + boxes[:, 2], 0, width)
    y2 = np.clip(boxes[:, 1] + boxes[:, 3], 0, height)
    return np.stack([x1, y1, x2 - x1, y2 - y1], axis=1)


class HOGPeopleDetector:
    """Dalal-Triggs people detector (HOG + linear SVM) over an image pyramid: OpenCV's
    ``cv2.HOGDescriptor`` with its default people detector and ``detectMultiScale``.

    Parameters (OpenCV's ``detectMultiScale`` defaults, except ``padding``: 8 rather than 0)
    ----------
    hit_threshold : a window is a hit when its SVM score is at least this (0: the SVM's boundary)
    scale_step : the pyramid shrinks the frame by this factor per level (1.05: 5 % steps), until
        it is smaller than the 64x128 window, so people from 128 pixels tall upwards are found
    padding : pixels of border, so windows may start this far outside the frame (OpenCV then clips
        them to it)
    min_neighbours : a group of overlapping hits becomes one box only if it has more than this
        many hits (OpenCV's ``groupThreshold``; its grouping uses ``eps = 0.2``)
    person_box : ``(fx, fy)``: the returned box is the centred ``fx x fy`` part of the window.  The
        detector was trained on 64x128 crops in which the person fills the middle: about 96 of the
        128 rows and half the columns (the INRIA Person crops), so ``(0.5, 0.75)`` turns a window
        into a box around the person, as ground truth draws it; ``(1, 1)`` keeps whole windows.
    weights, bias : another linear SVM on the same descriptor (default: the people detector)

    Windows move in 8-pixel steps.  OpenCV runs with one thread inside :meth:`detect`: with
    several, OpenCV 4's ``detectMultiScale`` can pair a window with another window's score (it
    appends both from parallel pyramid levels under separate locks), so scores would change
    from run to run.
    """

    def __init__(self, *, hit_threshold: float = 0.0, scale_step: float = 1.05, padding: int = 8,
                 min_neighbours: int = 2, person_box=(0.5, 0.75), weights=None, bias: float | None = None):
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
        self.person_box = (fx, fy)
        self._hog = _cv2().HOGDescriptor()
        self._hog.setSVMDetector(np.append(self.weights, np.float32(self.bias)).astype(np.float32))

    def _multiscale(self, frame: np.ndarray, group_threshold: int) -> Detections:
        """OpenCV's ``detectMultiScale`` on a checked frame: windows (which OpenCV clips to the
        frame), scores."""
        H, W = frame.shape[:2]
        if W < HOG_WINDOW[0] or H < HOG_WINDOW[1]:
            return _empty()      # no pyramid level fits a window (and OpenCV 4.14 crashes on such frames)
        cv2 = _cv2()
        threads = cv2.getNumThreads()
        cv2.setNumThreads(1)     # see the class docstring: scores stay with their windows
        try:
            boxes, scores = self._hog.detectMultiScale(
                _bgr(frame), hitThreshold=self.hit_threshold, winStride=(_CELL, _CELL),
                padding=(self.padding, self.padding), scale=self.scale_step, groupThreshold=group_threshold)
        finally:
            cv2.setNumThreads(threads)
        if len(boxes) == 0:
            return _empty()
        boxes = np.asarray(boxes, float).reshape(-1, 4)
        scores = np.asarray(scores, float).reshape(-1)
        order = np.lexsort((boxes[:, 1], boxes[:, 0], -scores))          # best first, then left to right
        return Detections(boxes[order], scores[order])

    def windows(self, frame) -> Detections:
        """Every window that scores at least ``hit_threshold``, at every scale, before grouping:
        boxes in pixels of ``frame`` (64x128 windows, scaled, clipped to the frame), best score first."""
        return self._multiscale(check_frame(frame), 0)

    def detect(self, frame) -> Detections:
        """People in ``frame (H, W, 3) uint8``: OpenCV's grouped hits, clipped to the frame, shrunk
        to ``person_box``; scores are the best SVM score of each group, best first.  Frames
        smaller than the 64x128 window give no boxes."""
        frame = check_frame(frame)
        H, W = frame.shape[:2]
        grouped = self._multiscale(frame, self.min_neighbours)
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
    from .mot import read_mot
    path = Path(os.fspath(path))
    df = read_mot(path, n_frames=None if n_frames is None else check_positive_int(n_frames, "n_frames"))
    if scale != 1:
        df[["left", "top", "width", "height"]] *= scale
    return df
