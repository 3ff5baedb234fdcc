"""Baseline predictors: what a learned model has to beat.

Every predictor in the course has one interface::

    predictor.predict(observed, horizon) -> predicted
    observed  (n, k, 2)   the last k positions of n objects
    predicted (n, horizon, 2)  the next `horizon` positions, same unit as observed

so ``course_utils.metrics.evaluate`` scores baselines and neural networks alike.
"""
from __future__ import annotations

import numpy as np

from .validation import as_float_array, check_positive_int

__all__ = ["Predictor", "ConstantPosition", "ConstantVelocity", "KalmanCV", "check_observed"]


def check_observed(observed, horizon, *, min_steps: int = 1) -> tuple[np.ndarray, int]:
    """Validate the arguments of ``predict`` and return them as (float array, int)."""
    observed = as_float_array(observed, "observed", shape=(None, None, 2))
    if observed.shape[1] < min_steps:
        raise ValueError(f"observed: this predictor needs at least {min_steps} observed positions per "
                         f"object, got shape {observed.shape} (k={observed.shape[1]})")
    return observed, check_positive_int(horizon, "horizon")


class Predictor:
    """Base class: subclasses implement ``predict(observed (n, k, 2), horizon) -> (n, horizon, 2)``."""
    name = "predictor"

    def predict(self, observed, horizon: int) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class ConstantPosition(Predictor):
    """The object stays where it was last seen."""
    name = "constant position"

    def predict(self, observed, horizon: int) -> np.ndarray:
        observed, horizon = check_observed(observed, horizon, min_steps=1)
        return np.repeat(observed[:, -1:, :], horizon, axis=1)


class ConstantVelocity(Predictor):
    """The object keeps its last velocity: ``x_{t+j} = x_t + j (x_t - x_{t-1})``.

    ``n_velocity`` > 1 averages the last ``n_velocity`` displacements instead (smoother,
    slower to react).  On pedestrians this simple rule is a famously strong baseline
    (Schöller et al., RA-L 2020).
    """
    name = "constant velocity"

    def __init__(self, n_velocity: int = 1):
        self.n_velocity = check_positive_int(n_velocity, "n_velocity")

    def predict(self, observed, horizon: int) -> np.ndarray:
        observed, horizon = check_observed(observed, horizon, min_steps=self.n_velocity + 1)
        last = observed[:, -1, :]
        velocity = (last - observed[:, -1 - self.n_velocity, :]) / self.n_velocity
        steps = np.arange(1, horizon + 1, dtype=float)
        return last[:, None, :] + steps[None, :, None] * velocity[:, None, :]

    def __repr__(self) -> str:
        return f"ConstantVelocity(n_velocity={self.n_velocity})"


class KalmanCV(Predictor):
    """A constant-velocity Kalman filter run over the observed positions, then extrapolated.

    State ``s = (x, y, vx, vy)`` per object, one time step per observed position::

        predict:  s <- F s,            P <- F P F^T + Q      F = [[I, I], [0, I]]
        update:   K = P H^T (H P H^T + R)^-1,  s <- s + K (z - H s),  P <- (I - K H) P

    with ``Q`` the white-acceleration noise of strength ``process_std`` and
    ``R = measurement_std^2 I``.  All n objects are filtered at once (vectorised).

    Units: the noise levels are in the unit of the data per step.  Left at ``None``
    they are set from the data themselves (``process_std = 0.1`` and ``measurement_std = 0.05``
    times the median step length of the observed positions), so the same filter works on
    metres and on pixels.
    """
    name = "Kalman (CV)"

    def __init__(self, process_std: float | None = None, measurement_std: float | None = None):
        for label, value in (("process_std", process_std), ("measurement_std", measurement_std)):
            if value is not None and not (np.isfinite(value) and value > 0):
                raise ValueError(f"{label}: expected a positive number or None, got {value!r}")
        self.process_std = process_std
        self.measurement_std = measurement_std

    def _noise(self, observed):
        scale = float(np.median(np.linalg.norm(np.diff(observed, axis=1), axis=-1))) if observed.shape[1] > 1 else 1.0
        scale = scale if scale > 1e-9 else 1.0
        q = self.process_std if self.process_std is not None else 0.1 * scale
        r = self.measurement_std if self.measurement_std is not None else 0.05 * scale
        return q, r

    def filter(self, observed) -> tuple[np.ndarray, np.ndarray]:
        """Run the filter over ``observed (n, k, 2)``; return the final states (n, 4) and covariances (n, 4, 4)."""
        observed = as_float_array(observed, "observed", shape=(None, None, 2))
        n, k, _ = observed.shape
        q, r = self._noise(observed)
        F = np.eye(4)
        F[0, 2] = F[1, 3] = 1.0
        H = np.eye(2, 4)
        G = np.array([[0.5, 0], [0, 0.5], [1, 0], [0, 1]])   # how an acceleration enters the state
        Q = (q ** 2) * G @ G.T
        R = (r ** 2) * np.eye(2)
        s = np.zeros((n, 4))
        s[:, :2] = observed[:, 0]
        if k > 1:
            s[:, 2:] = observed[:, 1] - observed[:, 0]
        P = np.tile(np.diag([r ** 2, r ** 2, (2 * r) ** 2 + q ** 2, (2 * r) ** 2 + q ** 2]), (n, 1, 1))
        for t in range(1, k):
            s = s @ F.T
            P = F @ P @ F.T + Q
            S = H @ P @ H.T + R                                  # (n, 2, 2)
            K = P @ H.T @ np.linalg.inv(S)                       # (n, 4, 2)
            innovation = observed[:, t] - s @ H.T                # (n, 2)
            s = s + np.einsum("nij,nj->ni", K, innovation)
            P = (np.eye(4) - K @ H) @ P
        return s, P

    def predict(self, observed, horizon: int) -> np.ndarray:
        observed, horizon = check_observed(observed, horizon, min_steps=1)
        s, _ = self.filter(observed)
        steps = np.arange(1, horizon + 1, dtype=float)
        return s[:, None, :2] + steps[None, :, None] * s[:, None, 2:]

    def __repr__(self) -> str:
        return f"KalmanCV(process_std={self.process_std}, measurement_std={self.measurement_std})"
