"""course_utils: the helper package of the course "Deep learning for object tracking".

One module per concern (import what you need; TensorFlow/Keras is imported lazily,
so ``import course_utils`` stays fast):

- ``course_utils.data``       real (UCY, TUD) and synthetic trajectories, windows, splits
- ``course_utils.baselines``  constant position, constant velocity, Kalman filter
- ``course_utils.metrics``    ADE, FDE, error per horizon step
- ``course_utils.checks``     self-grading exercise checkers
- ``course_utils.notebook``   ``setup()``: seeds, quiet logs, plot style

Later notebooks add ``rnn``, ``models``, ``training``, ``video``, ``tracking`` ...
"""
from .notebook import setup

__all__ = ["setup"]
__version__ = "0.1.0"
