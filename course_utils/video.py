"""Video for tracking: read image sequences and video files, draw boxes, play clips, score detections.

Frames are always NumPy arrays ``(T, H, W, 3) uint8`` in RGB order; boxes are pixel boxes
``left, top, width, height`` (the MOTChallenge convention: ``left, top`` is the first pixel
column/row of the box, the box spans ``width`` columns and ``height`` rows).

- :func:`read_mot_sequence` reads a sequence in the MOTChallenge layout (``img1/000001.jpg``,
  ``seqinfo.ini``, ``gt/gt.txt``, ``det/*.txt``), optionally a frame range, every k-th frame,
  and scaled down, so a notebook stays small in memory.
- :func:`write_video` / :func:`read_video` write and read MP4 files (H.264, via imageio-ffmpeg).
- :func:`synthetic_video` (from :mod:`course_utils.synthvideo`) renders a seeded clip with exact
  ground truth, visibility included.
- :func:`draw_boxes`, :func:`draw_tracks` draw boxes, ids and trails; :func:`animate` embeds a
  short clip in a notebook; :func:`frame_scrubber` is a slider to step through frames.
- :func:`box_iou`, :func:`match_detections`, :func:`detection_scores` score a detector against
  ground truth (precision, recall, F1 at an IoU threshold).

Pillow, OpenCV, imageio-ffmpeg and ipywidgets are imported when first needed
(``pip install "course-utils[video,notebooks]"``).
"""
from __future__ import annotations

import base64
import configparser
import io
import os
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple, Sequence

import numpy as np
import pandas as pd

from .mot import MOT_COLUMNS, read_mot
from .synthvideo import SyntheticVideo, synthetic_video, trajectories_to_pixels
from .validation import as_float_array, check_positive_int

__all__ = [
    "MOTSequence", "read_mot_sequence", "read_frame", "MOT_COLUMNS", "check_frames",
    "write_video", "read_video", "video_info",
    "SyntheticVideo", "synthetic_video", "trajectories_to_pixels",
    "color_for_id", "draw_boxes", "draw_tracks", "animate", "frame_scrubber",
    "Matches", "box_iou", "match_detections", "detection_scores",
]

_VIDEO_SUFFIXES = (".mp4", ".m4v", ".mov", ".mkv")


# --------------------------------------------------------------------------- small helpers

def _require(module: str, extra: str = "video"):
    import importlib
    try:
        return importlib.import_module(module)
    except ImportError:  # pragma: no cover - the course environment has them
        raise ImportError(f"course_utils.video needs the package {module!r}: "
                          f"pip install \"course-utils[{extra}]\"") from None


def check_frames(frames, name: str = "frames", *, single: bool = False) -> np.ndarray:
    """Return ``frames`` as a ``(T, H, W, 3)`` (or ``(H, W, 3)`` if ``single``) uint8 array.

    A grey ``(T, H, W)`` / ``(H, W)`` array is turned into three equal channels.  Anything that
    is not uint8 raises ``ValueError`` (convert with ``(x * 255).round().astype(np.uint8)``).
    """
    arr = np.asarray(frames)
    want = 3 if single else 4
    if arr.ndim == want - 1:
        arr = np.repeat(arr[..., None], 3, axis=-1)
    shape = "(H, W, 3)" if single else "(T, H, W, 3)"
    if arr.ndim != want or arr.shape[-1] != 3:
        raise ValueError(f"{name}: expected an RGB array of shape {shape}, got shape {arr.shape}")
    if arr.dtype != np.uint8:
        raise ValueError(f"{name}: expected dtype uint8 (0-255), got {arr.dtype}; "
                         f"convert with (x * 255).round().astype(np.uint8) for values in [0, 1]")
    if arr.size == 0:
        raise ValueError(f"{name}: got an empty array of shape {arr.shape}")
    return arr


# --------------------------------------------------------------------------- MOTChallenge sequences

@dataclass
class MOTSequence:
    """One MOTChallenge sequence, as loaded by :func:`read_mot_sequence`.

    Attributes
    ----------
    name : str                  the sequence name (``seqinfo.ini``)
    path : Path                 the sequence folder
    frames : (T, H, W, 3) uint8 the loaded frames, or None if loaded with ``images=False``
    frame_numbers : (T,) int    the MOT frame number (from 1) of each loaded frame
    frame_rate : float          frames per second of the loaded frames (``fps / every``)
    width, height : int         frame size in pixels *after* scaling
    scale : float               the scale factor applied to frames and boxes
    gt : DataFrame or None      ground truth of the loaded frames, columns ``MOT_COLUMNS``
                                (``frame`` = MOT frame number, boxes in scaled pixels)
    detections : dict           ``{"det": DataFrame, "det_frcnn": ...}``, one per ``det/*.txt``
    info : dict                 the raw ``[Sequence]`` section of ``seqinfo.ini``
    """
    name: str
    path: Path
    frames: np.ndarray | None
    frame_numbers: np.ndarray
    frame_rate: float
    width: int
    height: int
    scale: float = 1.0
    gt: pd.DataFrame | None = None
    detections: dict = field(default_factory=dict)
    info: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.frame_numbers)

    def index_of(self, frame_number: int) -> int:
        """Position in ``frames`` of MOT frame ``frame_number`` (ValueError if not loaded)."""
        hits = np.flatnonzero(self.frame_numbers == frame_number)
        if len(hits) == 0:
            raise ValueError(f"frame_number: frame {frame_number} is not loaded (loaded: "
                             f"{self.frame_numbers[0]}..{self.frame_numbers[-1]} "
                             f"every {self._every()})")
        return int(hits[0])

    def _every(self) -> int:
        return int(self.frame_numbers[1] - self.frame_numbers[0]) if len(self) > 1 else 1

    def __repr__(self) -> str:
        mem = f", {self.frames.nbytes / 2**20:.0f} MiB of frames" if self.frames is not None else ""
        n_gt = 0 if self.gt is None else len(self.gt)
        return (f"MOTSequence({self.name!r}: {len(self)} frames of {self.width}x{self.height} px "
                f"at {self.frame_rate:g} fps{mem}, {n_gt} gt boxes, detections "
                f"{ {k: len(v) for k, v in self.detections.items()} })")


def _read_seqinfo(folder: Path) -> dict:
    path = folder / "seqinfo.ini"
    if not path.is_file():
        raise FileNotFoundError(f"seqinfo.ini not found: {str(path)!r} (a MOTChallenge sequence "
                                f"folder holds seqinfo.ini, img1/, gt/gt.txt and det/*.txt)")
    parser = configparser.ConfigParser()
    parser.optionxform = str
    try:
        parser.read(path, encoding="utf-8")
    except configparser.Error as exc:
        raise ValueError(f"{path}: not a valid seqinfo.ini ({exc})") from None
    if "Sequence" not in parser:
        raise ValueError(f"{path}: expected a [Sequence] section, got sections {parser.sections()}")
    sec = dict(parser["Sequence"])
    out = dict(sec)
    out.setdefault("name", folder.name)
    out.setdefault("imDir", "img1")
    out.setdefault("imExt", ".jpg")
    for key in ("frameRate", "seqLength", "imWidth", "imHeight"):
        if key not in sec:
            raise ValueError(f"{path}: [Sequence] lacks the key {key!r}")
        try:
            value = float(sec[key])
        except ValueError:
            raise ValueError(f"{path}: {key} should be a number, got {sec[key]!r}") from None
        if not value > 0:
            raise ValueError(f"{path}: {key} should be positive, got {sec[key]!r}")
        out[key] = value if key == "frameRate" else int(value)
    return out


def read_frame(path, *, size: tuple[int, int] | None = None) -> np.ndarray:
    """Read one image file as ``(H, W, 3)`` uint8 RGB, optionally resized to ``size = (W, H)``.

    Missing file -> ``FileNotFoundError``; a file that is not an image, or a truncated one,
    -> ``ValueError`` naming the file.
    """
    Image = _require("PIL.Image")
    path = Path(os.fspath(path))
    if not path.is_file():
        raise FileNotFoundError(f"frame not found: {str(path)!r}")
    try:
        with Image.open(path) as im:
            if size is not None:
                im.draft("RGB", size)      # fast JPEG decoding at 1/2, 1/4, 1/8 when it suffices
            im = im.convert("RGB")          # decodes; raises on truncated data
            if size is not None and im.size != tuple(size):
                im = im.resize(tuple(size), Image.Resampling.BOX)
            return np.asarray(im, dtype=np.uint8)
    except OSError as exc:   # UnidentifiedImageError, "image file is truncated", ...
        raise ValueError(f"{path}: cannot read this frame ({exc}); the file is not an image or is "
                         f"truncated") from None


def read_mot_sequence(path, *, first: int = 1, last: int | None = None, every: int = 1,
                      scale: float = 1.0, images: bool = True) -> MOTSequence:
    """Read a MOTChallenge sequence folder into a :class:`MOTSequence`.

    Parameters
    ----------
    path : the sequence folder (holding ``seqinfo.ini``, ``img1/``, ``gt/gt.txt``, ``det/*.txt``)
    first, last : MOT frame numbers (from 1, ``last`` included; default: the whole sequence)
    every : keep every ``every``-th frame from ``first`` (``frame_rate`` is divided accordingly)
    scale : resize frames and boxes by this factor in (0, 1] (e.g. 0.25: 640x480 -> 160x120)
    images : False reads only ``seqinfo.ini`` and the annotations (fast)

    Ground truth and detections keep their MOT frame numbers; only rows of the loaded frames
    are kept, and boxes are multiplied by the scale so they match the returned frames.
    Missing folder, ``seqinfo.ini`` or frame -> ``FileNotFoundError``; an unreadable or truncated
    frame, a frame of the wrong size, or an annotation row outside ``1..seqLength`` ->
    ``ValueError`` naming the file.  ``gt/`` and ``det/`` are optional.

    Memory: ``T x H x W x 3`` bytes, e.g. TUD-Stadtmitte (179 frames of 640x480) is 165 MB at
    full size and 10 MB at ``scale=0.25``.
    """
    folder = Path(os.fspath(path))
    if not folder.is_dir():
        raise FileNotFoundError(f"sequence folder not found: {str(folder)!r}")
    info = _read_seqinfo(folder)
    n_total, W0, H0 = info["seqLength"], info["imWidth"], info["imHeight"]
    first = check_positive_int(first, "first")
    last = n_total if last is None else check_positive_int(last, "last")
    every = check_positive_int(every, "every")
    if not first <= last <= n_total:
        raise ValueError(f"first, last: expected 1 <= first <= last <= {n_total} "
                         f"(seqLength of {folder.name}), got first={first}, last={last}")
    if isinstance(scale, bool) or not isinstance(scale, (int, float, np.floating)) or not 0 < scale <= 1:
        raise ValueError(f"scale: expected a number in (0, 1], got {scale!r}")
    W, H = max(1, int(round(W0 * scale))), max(1, int(round(H0 * scale)))
    numbers = np.arange(first, last + 1, every, dtype=np.int64)

    frames = None
    if images:
        img_dir = folder / info["imDir"]
        if not img_dir.is_dir():
            raise FileNotFoundError(f"image folder not found: {str(img_dir)!r}")
        frames = np.empty((len(numbers), H, W, 3), np.uint8)
        for k, n in enumerate(numbers):
            fpath = img_dir / f"{n:06d}{info['imExt']}"
            if scale == 1:
                img = read_frame(fpath)
            else:
                img = read_frame(fpath, size=(W, H))
            if img.shape != (H, W, 3):
                raise ValueError(f"{fpath}: expected a {W0}x{H0} frame (seqinfo.ini), got "
                                 f"{img.shape[1]}x{img.shape[0]}")
            frames[k] = img

    sx, sy = W / W0, H / H0

    def select(df):
        df = df[df["frame"].isin(numbers)].reset_index(drop=True)
        if scale != 1:
            df[["left", "width"]] *= sx
            df[["top", "height"]] *= sy
        return df

    gt_path = folder / "gt" / "gt.txt"
    gt = select(read_mot(gt_path, n_frames=n_total)) if gt_path.is_file() else None
    detections = {}
    det_dir = folder / "det"
    if det_dir.is_dir():
        for p in sorted(det_dir.glob("*.txt")):
            detections[p.stem] = select(read_mot(p, n_frames=n_total))
    return MOTSequence(name=str(info["name"]), path=folder, frames=frames, frame_numbers=numbers,
                       frame_rate=float(info["frameRate"]) / every, width=W, height=H,
                       scale=float(scale), gt=gt, detections=detections, info=info)


# --------------------------------------------------------------------------- video files

def write_video(path, frames, fps: float = 25.0, *, crf: int = 18) -> Path:
    """Write ``frames (T, H, W, 3) uint8`` as an H.264 video (``.mp4``, ``.mov``, ``.mkv``).

    ``crf`` is x264's quality (0 = lossless luma, 18 = visually lossless, 51 = worst).  Frames
    of even width and height are stored as yuv420p, which every browser plays; colours are then
    stored at half resolution, so sharp colour edges come back blurred by a few grey levels.
    Odd sizes are stored as yuv444p (full colour resolution; some players refuse it).
    Returns the path.  Missing parent folder -> ``FileNotFoundError``.
    """
    iio_ffmpeg = _require("imageio_ffmpeg")
    frames = check_frames(frames)
    path = Path(os.fspath(path))
    if path.suffix.lower() not in _VIDEO_SUFFIXES:
        raise ValueError(f"path: expected a video file ending in {', '.join(_VIDEO_SUFFIXES)}, "
                         f"got {str(path)!r}")
    if not path.parent.is_dir():
        raise FileNotFoundError(f"folder not found: {str(path.parent)!r} (for {path.name})")
    if not fps > 0:
        raise ValueError(f"fps: expected a positive number of frames per second, got {fps!r}")
    crf = check_positive_int(crf, "crf", minimum=0)
    if crf > 51:
        raise ValueError(f"crf: expected an integer in 0..51, got {crf}")
    T, H, W, _ = frames.shape
    pix_fmt = "yuv420p" if H % 2 == 0 and W % 2 == 0 else "yuv444p"
    writer = iio_ffmpeg.write_frames(str(path), (W, H), fps=fps, codec="libx264",
                                     pix_fmt_out=pix_fmt, quality=None, macro_block_size=1,
                                     ffmpeg_log_level="error",
                                     output_params=["-crf", str(crf), "-movflags", "+faststart"])
    try:
        writer.send(None)
        for frame in frames:
            writer.send(np.ascontiguousarray(frame))
    finally:
        writer.close()
    return path


def _open_reader(path: Path):
    iio_ffmpeg = _require("imageio_ffmpeg")
    if not path.is_file():
        raise FileNotFoundError(f"video file not found: {str(path)!r}")
    problem = "the file is empty" if path.stat().st_size == 0 else None
    if problem is None:
        gen = iio_ffmpeg.read_frames(str(path), pix_fmt="rgb24")
        try:
            return gen, next(gen)
        except (OSError, RuntimeError, StopIteration) as exc:
            problem = _quiet_failure(gen, exc)
    raise ValueError(f"{path}: cannot read this video ({problem}); the file is corrupt, "
                     f"truncated or not a video")


def _quiet_failure(gen, exc) -> str:
    """The first line of ffmpeg's complaint.  imageio-ffmpeg leaves the pipes of a failed ffmpeg
    open; free them here without ResourceWarnings (harmless, but ``-W error`` fails on them)."""
    import gc
    text = str(exc).strip()
    problem = text.splitlines()[0] if text else type(exc).__name__
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gen.close()
        exc.__traceback__ = None
        del exc, gen
        gc.collect()
    return problem


def video_info(path) -> dict:
    """``{"width", "height", "fps", "duration", "codec"}`` of a video file (pixels, 1/s, s)."""
    path = Path(os.fspath(path))
    gen, meta = _open_reader(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gen.close()
        del gen
    w, h = meta["size"]
    return {"width": int(w), "height": int(h), "fps": float(meta.get("fps") or 0.0),
            "duration": float(meta.get("duration") or 0.0), "codec": meta.get("codec", "")}


def read_video(path, *, max_frames: int | None = None) -> np.ndarray:
    """Read a video file into ``(T, H, W, 3) uint8`` RGB frames (at most ``max_frames``).

    Missing file -> ``FileNotFoundError``; a corrupt, truncated or empty file -> ``ValueError``
    naming the file.
    """
    path = Path(os.fspath(path))
    if max_frames is not None:
        max_frames = check_positive_int(max_frames, "max_frames")
    gen, meta = _open_reader(path)
    w, h = meta["size"]
    out = []
    # imageio-ffmpeg leaves ffmpeg's pipes to the garbage collector: free them here, quietly
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            for raw in gen:
                if len(raw) != w * h * 3:
                    raise ValueError(f"{path}: frame {len(out)} has {len(raw)} bytes, expected "
                                     f"{w * h * 3} for {w}x{h} RGB; the file is corrupt")
                out.append(np.frombuffer(raw, np.uint8).reshape(h, w, 3))
                if max_frames is not None and len(out) >= max_frames:
                    break
        except (OSError, RuntimeError) as exc:
            problem = _quiet_failure(gen, exc)
            raise ValueError(f"{path}: decoding failed after {len(out)} frames ({problem}); "
                             f"the file is corrupt or truncated") from None
        finally:
            gen.close()
            del gen
    if not out:
        raise ValueError(f"{path}: holds no frames; the file is empty, corrupt or truncated")
    expected = int(round(float(meta.get("duration") or 0) * float(meta.get("fps") or 0)))
    if max_frames is None and expected and len(out) < expected - 1:
        raise ValueError(f"{path}: only {len(out)} of the {expected} frames its header announces "
                         f"could be decoded; the file is truncated or corrupt")
    return np.stack(out)


# --------------------------------------------------------------------------- drawing

_PALETTE = np.array([
    (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
    (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207),
    (255, 255, 255), (0, 0, 0),
], dtype=np.uint8)


def color_for_id(ident: int) -> tuple[int, int, int]:
    """A fixed RGB colour per id (matplotlib's tab10 cycle), so an id keeps its colour."""
    return tuple(int(c) for c in _PALETTE[int(ident) % 10])


def draw_boxes(frame, boxes, ids=None, colors=None, trails=None, *, thickness: int = 1,
               font_scale: float | None = None) -> np.ndarray:
    """Draw boxes (and ids, trails) on a copy of ``frame (H, W, 3) uint8``; returns the copy.

    boxes : (n, 4) pixels ``left, top, width, height``; rows with NaN are skipped
    ids : (n,) int, written above each box; also picks the colour when ``colors`` is None
    colors : (n, 3) RGB 0-255, or one RGB triple for all boxes (default: by id, else by row)
    trails : n arrays ``(k, 2)`` of past centres ``(x, y)`` drawn as a polyline per box (or None)
    """
    cv2 = _require("cv2")
    out = check_frames(frame, "frame", single=True).copy()
    b = as_float_array(boxes, "boxes", shape=(None, 4), allow_nan=True, allow_empty=True)
    n = len(b)
    if ids is not None:
        ids = np.asarray(ids).reshape(-1)
        if len(ids) != n:
            raise ValueError(f"ids: expected {n} ids (one per box), got {len(ids)}")
    if colors is None:
        cols = np.array([color_for_id(ids[i] if ids is not None else i) for i in range(n)],
                        dtype=int).reshape(-1, 3)
    else:
        cols = np.asarray(colors, dtype=float)
        if cols.shape == (3,):
            cols = np.tile(cols, (n, 1))
        if cols.shape != (n, 3):
            raise ValueError(f"colors: expected shape ({n}, 3) or (3,), got {cols.shape}")
        cols = np.clip(np.rint(cols), 0, 255).astype(int)
    if trails is not None and len(trails) != n:
        raise ValueError(f"trails: expected {n} trails (one per box), got {len(trails)}")
    H = out.shape[0]
    fs = max(0.5, H / 400) if font_scale is None else float(font_scale)
    for i in range(n):
        color = tuple(int(c) for c in cols[i])
        if trails is not None and trails[i] is not None and len(trails[i]) > 1:
            pts = as_float_array(trails[i], f"trails[{i}]", shape=(None, 2), allow_nan=True)
            pts = pts[np.isfinite(pts).all(axis=1)]
            if len(pts) > 1:
                cv2.polylines(out, [np.rint(pts).astype(np.int32).reshape(-1, 1, 2)], False,
                              color, thickness, cv2.LINE_AA)
        if not np.isfinite(b[i]).all():
            continue
        left, top, w, h = b[i]
        p1 = (int(round(left)), int(round(top)))
        p2 = (int(round(left + w)) - 1, int(round(top + h)) - 1)
        cv2.rectangle(out, p1, p2, color, thickness, cv2.LINE_8)
        if ids is not None:
            y = p1[1] - 2 if p1[1] > 12 * fs else p2[1] + int(11 * fs)
            cv2.putText(out, str(ids[i]), (p1[0], y), cv2.FONT_HERSHEY_PLAIN, fs, color,
                        1, cv2.LINE_AA)
    return out


def _zoom(frames: np.ndarray, zoom: int) -> np.ndarray:
    if zoom == 1:
        return frames
    return np.repeat(np.repeat(frames, zoom, axis=-3), zoom, axis=-2)


def draw_tracks(frames, tracks: pd.DataFrame, *, frame_numbers=None, trail: int = 10,
                zoom: int = 1, show_ids: bool = True, thickness: int = 1) -> np.ndarray:
    """Draw every box of ``tracks`` on its frame, with its id and a trail of past centres.

    frames : (T, H, W, 3) uint8
    tracks : DataFrame with ``frame, id, left, top, width, height`` (ground truth, detections
        with id -1, or a tracker's output), pixels of ``frames``
    frame_numbers : (T,) the ``frame`` value of each image (``MOTSequence.frame_numbers``);
        default ``0..T-1`` (synthetic clips)
    trail : how many past centres of the same id to connect (0: none)
    zoom : enlarge the frames by this integer factor first (nearest neighbour), so boxes and ids
        stay legible on small frames
    Returns new frames ``(T, H * zoom, W * zoom, 3)`` uint8.
    """
    frames = check_frames(frames)
    zoom = check_positive_int(zoom, "zoom")
    trail = check_positive_int(trail, "trail", minimum=0)
    missing = [c for c in ("frame", "id", "left", "top", "width", "height") if c not in tracks]
    if missing:
        raise ValueError(f"tracks: missing column(s) {missing}; expected frame, id, left, top, "
                         f"width, height")
    T = len(frames)
    numbers = np.arange(T) if frame_numbers is None else np.asarray(frame_numbers).reshape(-1)
    if len(numbers) != T:
        raise ValueError(f"frame_numbers: expected {T} numbers (one per frame), got {len(numbers)}")
    out = _zoom(frames, zoom).copy()
    df = tracks[tracks["frame"].isin(numbers)]
    boxes_all = df[["left", "top", "width", "height"]].to_numpy(float) * zoom
    centres_all = boxes_all[:, :2] + boxes_all[:, 2:] / 2
    fr = df["frame"].to_numpy()
    ids = df["id"].to_numpy()
    pos = {int(n): k for k, n in enumerate(numbers)}
    idx = np.array([pos[int(f)] for f in fr], dtype=int)
    for k in range(T):
        rows = np.flatnonzero(idx == k)
        if len(rows) == 0:
            continue
        trails = None
        if trail:
            trails = []
            for r in rows:
                if ids[r] < 0:          # detections have no identity
                    trails.append(None)
                    continue
                past = np.flatnonzero((ids == ids[r]) & (idx <= k) & (idx > k - trail - 1))
                past = past[np.argsort(idx[past])]
                trails.append(centres_all[past])
        out[k] = draw_boxes(out[k], boxes_all[rows], ids=ids[rows] if show_ids else None,
                            colors=None if show_ids else [color_for_id(i) for i in ids[rows]],
                            trails=trails, thickness=thickness)
    return out


# --------------------------------------------------------------------------- showing clips

def _encode_mp4(frames: np.ndarray, fps: float, crf: int) -> bytes:
    T, H, W, _ = frames.shape
    pad_h, pad_w = H % 2, W % 2
    if pad_h or pad_w:   # yuv420p, which browsers play, needs even sizes
        frames = np.pad(frames, ((0, 0), (0, pad_h), (0, pad_w), (0, 0)), mode="edge")
    with tempfile.TemporaryDirectory() as tmp:
        p = write_video(Path(tmp) / "clip.mp4", frames, fps, crf=crf)
        return p.read_bytes()


class _Animation:
    """HTML for a notebook (``_repr_html_``) plus the size of the embedded clip."""

    def __init__(self, html: str, n_bytes: int):
        self.data = html
        self.n_bytes = n_bytes

    def _repr_html_(self) -> str:
        return self.data

    def __repr__(self) -> str:
        return f"<animation: {self.n_bytes / 1024:.0f} KiB MP4 embedded as HTML>"


def animate(frames, fps: float = 10.0, *, zoom: int = 2, crf: int = 24, loop: bool = True,
            max_frames: int = 500):
    """A short clip as an HTML5 ``<video>`` (H.264 MP4, base64) to show in a notebook.

    frames : (T, H, W, 3) uint8; zoom : integer enlargement (nearest neighbour) before encoding,
    so thin boxes stay crisp; crf : x264 quality (higher = smaller file).  Returns an
    ``IPython.display.HTML`` (shown when it is a cell's last value) with ``n_bytes``, the MP4's
    size: 100 noisy frames of 96x96 take about 100 KB at ``zoom=2`` and 220 KB at ``zoom=3``
    (measured on a synthetic clip; base64 in the notebook adds a third).
    """
    frames = check_frames(frames)
    zoom = check_positive_int(zoom, "zoom")
    max_frames = check_positive_int(max_frames, "max_frames")
    if len(frames) > max_frames:
        raise ValueError(f"frames: {len(frames)} frames is more than max_frames={max_frames}; "
                         f"show a shorter clip (frames[::k] or frames[:n]) to keep the notebook small")
    if not fps > 0:
        raise ValueError(f"fps: expected a positive number, got {fps!r}")
    data = _encode_mp4(_zoom(frames, zoom), fps, crf)
    T, H, W, _ = frames.shape
    b64 = base64.b64encode(data).decode("ascii")
    html = (f'<video width="{W * zoom}" height="{H * zoom}" controls autoplay muted playsinline'
            f'{" loop" if loop else ""} style="image-rendering: pixelated">'
            f'<source type="video/mp4" src="data:video/mp4;base64,{b64}"></video>')
    try:
        from IPython.display import HTML
        out = HTML(html)
        out.n_bytes = len(data)
        return out
    except ImportError:  # pragma: no cover - notebooks always have IPython
        return _Animation(html, len(data))


def _png(frame: np.ndarray) -> bytes:
    Image = _require("PIL.Image")
    buf = io.BytesIO()
    Image.fromarray(frame).save(buf, format="PNG")
    return buf.getvalue()


def frame_scrubber(frames, *, zoom: int = 3, captions: Sequence[str] | None = None,
                   fps: float = 10.0, description: str = "frame"):
    """An ipywidgets slider (with a play button) that shows one frame at a time.

    frames : (T, H, W, 3) uint8 (draw boxes first with :func:`draw_tracks`);
    zoom : integer enlargement for display; captions : optional text per frame (e.g. the
    visibility of each object).  Returns a ``VBox(HBox(play, slider), image, caption)``; the
    slider is ``widget.slider`` and the image ``widget.image``.  Widgets need a live kernel:
    a stored notebook shows a static snapshot (or nothing).
    """
    widgets = _require("ipywidgets", "notebooks")
    frames = check_frames(frames)
    zoom = check_positive_int(zoom, "zoom")
    T = len(frames)
    if captions is not None:
        captions = [str(c) for c in captions]
        if len(captions) != T:
            raise ValueError(f"captions: expected {T} captions (one per frame), got {len(captions)}")
    if not fps > 0:
        raise ValueError(f"fps: expected a positive number, got {fps!r}")
    slider = widgets.IntSlider(value=0, min=0, max=T - 1, step=1, description=description,
                               continuous_update=True)
    play = widgets.Play(value=0, min=0, max=T - 1, step=1, interval=int(1000 / fps))
    widgets.jslink((play, "value"), (slider, "value"))
    image = widgets.Image(value=_png(_zoom(frames[0], zoom)), format="png")
    label = widgets.Label(value=captions[0] if captions else "")

    def show(change):
        k = int(change["new"])
        image.value = _png(_zoom(frames[k], zoom))
        if captions:
            label.value = captions[k]

    slider.observe(show, names="value")
    box = widgets.VBox([widgets.HBox([play, slider]), image, label])
    box.slider, box.image, box.caption = slider, image, label
    return box


# --------------------------------------------------------------------------- detection scoring

class Matches(NamedTuple):
    """Result of :func:`match_detections` (indices into the ``gt`` and ``det`` boxes)."""
    pairs: np.ndarray          # (k, 2) int: (gt index, detection index)
    iou: np.ndarray            # (k,) IoU of each pair
    unmatched_gt: np.ndarray   # missed ground-truth boxes (false negatives)
    unmatched_det: np.ndarray  # unmatched detections (false positives)


def box_iou(a, b) -> np.ndarray:
    """Intersection over union of boxes ``a (n, 4)`` and ``b (m, 4)`` (``left, top, width,
    height``) -> ``(n, m)`` in [0, 1].  Areas are ``width * height`` (continuous boxes)."""
    a, b = _boxes(a, "a"), _boxes(b, "b")
    if (a[:, 2:] < 0).any() or (b[:, 2:] < 0).any():
        raise ValueError("box_iou: widths and heights must be >= 0")
    ax2, ay2 = a[:, 0] + a[:, 2], a[:, 1] + a[:, 3]
    bx2, by2 = b[:, 0] + b[:, 2], b[:, 1] + b[:, 3]
    iw = np.clip(np.minimum(ax2[:, None], bx2[None]) - np.maximum(a[:, None, 0], b[None, :, 0]), 0, None)
    ih = np.clip(np.minimum(ay2[:, None], by2[None]) - np.maximum(a[:, None, 1], b[None, :, 1]), 0, None)
    inter = iw * ih
    union = (a[:, 2] * a[:, 3])[:, None] + (b[:, 2] * b[:, 3])[None] - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, inter / union, 0.0)


def _boxes(value, name: str) -> np.ndarray:
    """``(n, 4)`` float boxes; an empty list or array is ``(0, 4)``."""
    if value is not None and np.size(value) == 0:
        return np.zeros((0, 4))
    return as_float_array(value, name, shape=(None, 4))


def _check_iou(iou) -> float:
    if isinstance(iou, bool) or not isinstance(iou, (int, float, np.floating)) or not 0 < iou <= 1:
        raise ValueError(f"iou: expected a threshold in (0, 1], got {iou!r}")
    return float(iou)


def match_detections(gt_boxes, det_boxes, iou: float = 0.5) -> Matches:
    """Pair ground-truth and detected boxes of one frame, one-to-one, with IoU >= ``iou``.

    gt_boxes (n, 4), det_boxes (m, 4): pixels ``left, top, width, height``.  The Hungarian
    algorithm (``scipy.optimize.linear_sum_assignment``) finds the largest number of pairs
    above the threshold and, among those, the largest total IoU.
    """
    from scipy.optimize import linear_sum_assignment
    thr = _check_iou(iou)
    ious = box_iou(_boxes(gt_boxes, "gt_boxes"), _boxes(det_boxes, "det_boxes"))
    n, m = ious.shape
    pairs = np.zeros((0, 2), dtype=np.int64)
    if n and m:
        ok = ious >= thr
        cost = np.where(ok, 1.0 - ious, 1e6)   # invalid pairs cost more than any valid set
        r, c = linear_sum_assignment(cost)
        keep = ok[r, c]
        pairs = np.stack([r[keep], c[keep]], axis=1).astype(np.int64)
    return Matches(pairs=pairs, iou=ious[pairs[:, 0], pairs[:, 1]] if len(pairs) else np.zeros(0),
                   unmatched_gt=np.setdiff1d(np.arange(n), pairs[:, 0]),
                   unmatched_det=np.setdiff1d(np.arange(m), pairs[:, 1]))


def detection_scores(gt: pd.DataFrame, det: pd.DataFrame, iou: float = 0.5, *,
                     min_conf: float | None = None) -> dict:
    """Precision, recall and F1 of detections against ground truth, frame by frame.

    gt, det : DataFrames with ``frame, left, top, width, height`` (pixels; ``det`` also ``conf``
    if ``min_conf`` is given: detections below it are dropped).  In each frame the boxes are
    paired by :func:`match_detections`; a pair is a true positive, an unpaired detection a false
    positive, an unpaired ground-truth box a false negative.  Returns
    ``{"precision", "recall", "f1", "tp", "fp", "fn"}`` (precision = tp / (tp + fp), 0 when
    there are no detections; recall = tp / (tp + fn), 0 when there is no ground truth).
    """
    thr = _check_iou(iou)
    cols = ["frame", "left", "top", "width", "height"]
    for name, df in (("gt", gt), ("det", det)):
        if not isinstance(df, pd.DataFrame):
            raise ValueError(f"{name}: expected a DataFrame with columns {cols}, got "
                             f"{type(df).__name__}")
        missing = [c for c in cols if c not in df]
        if missing:
            raise ValueError(f"{name}: missing column(s) {missing}; expected {cols}")
    if min_conf is not None:
        if "conf" not in det:
            raise ValueError("det: min_conf needs a 'conf' column")
        det = det[det["conf"] >= min_conf]
    g_frames, d_frames = gt["frame"].to_numpy(), det["frame"].to_numpy()
    g_boxes = gt[cols[1:]].to_numpy(float)
    d_boxes = det[cols[1:]].to_numpy(float)
    tp = 0
    for f in np.intersect1d(g_frames, d_frames):
        tp += len(match_detections(g_boxes[g_frames == f], d_boxes[d_frames == f], thr).pairs)
    fp, fn = len(det) - tp, len(gt) - tp
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": float(precision), "recall": float(recall), "f1": float(f1),
            "tp": int(tp), "fp": int(fp), "fn": int(fn)}
