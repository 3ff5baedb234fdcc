"""course_utils: the helper package of the course "Deep learning for object tracking".

One module per concern (import what you need; TensorFlow/Keras is imported lazily,
so ``import course_utils`` stays fast):

- ``course_utils.data``       real (UCY, TUD) and synthetic trajectories, windows, splits
- ``course_utils.baselines``  constant position, constant velocity, Kalman filter
- ``course_utils.metrics``    ADE, FDE, error per horizon step
- ``course_utils.checks``     self-grading exercise checkers (``checks_*`` hold each notebook's own)
- ``course_utils.notebook``   ``setup()``: seeds, quiet logs, plot style
- ``course_utils.validation`` the input checks every public function uses
- ``course_utils.rnn``        the vanilla RNN by hand in NumPy: forward, BPTT, optimisers (notebook 02)
- ``course_utils.models``, ``training``  Keras forecasters and their training (notebook 03)
- ``course_utils.video``, ``synthvideo``, ``detect``  frames, video files, synthetic video, detectors (04)
- ``course_utils.mot``, ``tracking``, ``mot_metrics``  MOTChallenge files, the tracker, MOT metrics (05)
- ``course_utils.augment``, ``experiments``, ``gradients``  measured experiments (06, 07)
- ``course_utils.course``     reads the headline figures stored in the executed notebooks (08)
"""
from .notebook import setup

__all__ = ["setup"]
__version__ = "0.1.0"
