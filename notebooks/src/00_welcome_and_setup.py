# %% [markdown]
# # 00 · Welcome and set-up
#
# **Deep learning for object tracking** — a hands-on course, from a recurrent network written by hand
# in NumPy to a tracker that follows people through real street video.
#
# **You will learn** in this notebook
# - what the course is about and the path it takes;
# - how to run it: in JupyterLab on your laptop, on Binder, in a classroom;
# - whether your environment is ready (a check cell below tells you what to fix);
# - the vocabulary of the course, in English and Chinese.
#
# **Prerequisites:** Python and NumPy basics. No GPU needed.
#
# **Runtime:** about 5 seconds on a 2-core CPU.

# %% [markdown]
# ## Where this course comes from
#
# The course grew out of a short Chinese article, *深度学习在图像跟踪中的应用* ("Deep learning applied to
# image tracking"). Its central idea is one sentence:
#
# > 在深度学习中，图像跟踪可以看作是一种预测问题。给定一系列已知的目标物体位置，我们需要预测未来的目标物体位置。
# >
# > *In deep learning, image tracking can be seen as a prediction problem: given a series of known
# > positions of a target object, we need to predict its future positions.*
#
# The article then gives the equations of a recurrent neural network (RNN), a four-step recipe
# (turn the image sequence into numbers; define an RNN; train it; predict future positions), a short
# Keras example, and three challenges (data hunger, overfitting, vanishing/exploding gradients).
# It is thin and has a few mistakes; this course teaches all of it properly, with real code, real data
# and honest measurements, and says where the article is wrong.

# %% [markdown]
# ## The path
#
# | notebook | what you do |
# |---|---|
# | **00** welcome and set-up | this notebook |
# | **01** tracking as sequence prediction | real pedestrians (UCY, in metres; TUD street video, in pixels) and synthetic ones; windows; the baselines a network must beat (constant velocity, Kalman filter); ADE/FDE |
# | **02** an RNN by hand in NumPy | forward pass, backpropagation through time, gradient check, training; proven equal to Keras |
# | **03** Keras LSTM forecasting | the article's `LSTM(50)` example made to run and made right; LSTM / GRU / RNN against the baselines on real data |
# | **04** from pixels to positions | the article's step 1: image sequence → vectors; detection on real frames; a CNN + LSTM that tracks through occlusion |
# | **05** video tracking | detections, association, track management; LSTM vs Kalman motion; MOT metrics on real video against SORT |
# | **06** overfitting and data | learning curves, L2, dropout, early stopping, trajectory augmentation — measured |
# | **07** vanishing and exploding gradients | the mechanism measured; activations, clipping, optimisers, gated cells |
# | **08** FAQ and next steps | the article's questions answered with the course's evidence; where the field went next |
#
# Each notebook builds on the ones before it. The cell below lists the notebooks present in your copy.

# %%
# NBVAL_IGNORE_OUTPUT
from pathlib import Path

for book in sorted(Path(".").glob("[0-9][0-9]_*.ipynb")):
    print(book.name)

# %% [markdown]
# ## How to run the course
#
# **On your own machine (JupyterLab).** With Python 3.11 and `make`, from the course folder:
#
# ```bash
# make lab      # first time: creates .venv/, installs the pinned packages, then opens JupyterLab here
# make test     # runs every test, including every notebook top to bottom (nbval)
# ```
#
# Then run each notebook top to bottom (*Run → Run All Cells*). Every notebook is stored already
# executed, so you can also just read it first.
#
# **On Binder.** Open the repository on [mybinder.org](https://mybinder.org) (the README says how).
# Binder builds the environment from `environment.yml`; the first launch takes a few minutes, later
# ones are quick. Binder gives you 2 GB of memory in all. The hungriest notebook peaks at about 1.25 GB
# and JupyterLab itself takes about 0.1 GB (README, *Course benchmark*), so one notebook at a time fits
# but two may not: before you open the next notebook, shut down the last one's kernel
# (*Kernel → Shut Down Kernel*).
#
# **In a classroom.** Every notebook runs on a plain CPU in about a minute or less, so a room of
# laptops works without GPUs. Exercises check themselves (see the end of each notebook) and give a hint
# when an answer is wrong, so students can work at their own pace.
#
# **With a GPU.** Nothing here needs one. If you have an NVIDIA GPU and want to use it, the README
# says how to install the GPU build of TensorFlow.

# %% [markdown]
# ## Check your environment
#
# The next cell checks that every package the course needs is installed, prints its version, and
# tells you how to fix what is missing. It also says which Keras backend runs (TensorFlow unless you chose
# another) and whether it sees a GPU (a CPU is fine).

# %%
# NBVAL_IGNORE_OUTPUT
import course_utils

course_utils.setup()  # quiet TensorFlow logs, seeds, plot style: every notebook starts with this

import importlib
import platform

import os

# the package behind Keras: TensorFlow by default, or whatever KERAS_BACKEND names (jax, torch)
engine = os.environ.get("KERAS_BACKEND", "tensorflow")
needed = ["numpy", "scipy", "pandas", "matplotlib", "keras", engine, "ipywidgets", "tqdm"]
missing = []
print(f"Python {platform.python_version()} on {platform.system()} {platform.machine()}")
for name in needed:
    try:
        module = importlib.import_module(name)
        print(f"  {name:<11} {getattr(module, '__version__', '?')}")
    except ImportError:
        missing.append(name)
        print(f"  {name:<11} MISSING")
if missing:
    print("\nSome packages are missing. From the course folder, run `make lab` (it installs them),"
          " or `pip install -r requirements.txt` in this notebook's environment.")
else:
    from course_utils import backend
    gpus = backend.accelerators()
    print(f"\nKeras backend: {backend.name()}; "
          f"GPU: {', '.join(gpus) if gpus else 'none (the CPU is all this course needs)'}")
    print("Everything the course needs is installed.")

# %% [markdown]
# The data the course uses ships with it, in `../data/` (nothing is downloaded). This cell counts it:

# %%
from course_utils import data

for scene in data.UCY_SCENES:
    trajectories = data.load_ucy(scene)
    print(f"UCY {scene:<14} {len(trajectories):4d} pedestrians, {sum(len(t) for t in trajectories):6d} positions (metres)")
for sequence in data.TUD_SEQUENCES:
    trajectories = data.load_tud(sequence)
    print(f"TUD {sequence:<14} {len(trajectories):4d} pedestrians, {sum(len(t) for t in trajectories):6d} boxes (pixels)")

# %% [markdown]
# Sources and licences are in `data/README.md`: UCY "Crowds by Example" (Lerner, Chrysanthou and
# Lischinski, 2007) and the TUD sequences of the MOT15 benchmark (Andriluka, Roth and Schiele; MOTChallenge,
# CC BY-NC-SA 3.0).

# %% [markdown]
# ## Glossary · 术语表
#
# The article's terms, with the meaning this course gives them.
#
# | English | 中文 | meaning in this course |
# |---|---|---|
# | deep learning | 深度学习 | learning a function from data with a many-layered neural network |
# | (image / object) tracking | 图像跟踪 / 目标跟踪 | following an object's position through a sequence of images |
# | target object | 目标物体 | the thing being tracked (here: pedestrians, synthetic shapes) |
# | image sequence | 图像序列 | the frames of a video, in time order |
# | trajectory | 轨迹 | an object's positions over time |
# | prediction problem | 预测问题 | from known inputs, estimate an unknown output (here: future positions) |
# | recurrent neural network (RNN) | 递归神经网络 / 循环神经网络 | a network that reads a sequence step by step, carrying a hidden state |
# | hidden layer / hidden state | 隐藏层 / 隐藏状态 | the RNN's memory $h_t$ of what it has read so far |
# | weight matrix, bias | 权重矩阵, 偏置向量 | the parameters $W, U, V$ and $b, c$ that training adjusts |
# | activation function | 激活函数 | the non-linearity $f$, $g$ (tanh, ReLU, ...) |
# | long short-term memory (LSTM) | 长短时记忆网络 | an RNN with gates and a cell state that keeps information over long spans |
# | epoch, batch | 轮次 (epoch), 批次 (batch) | one pass over the training data; a group of examples per update step |
# | loss function | 损失函数 | what training minimises, e.g. the mean squared error |
# | optimizer | 优化器 | the rule that updates the weights from the gradients (SGD, Adam, ...) |
# | overfitting | 过拟合 | doing well on training data but worse on new data |
# | regularization | 正则化 | anything that limits a model to reduce overfitting (L2, dropout, ...) |
# | data augmentation | 数据增强 | making new training examples by transforming existing ones |
# | vanishing / exploding gradient | 梯度消失 / 梯度爆炸 | gradients that shrink or grow exponentially as they flow back through time |
# | backpropagation through time (BPTT) | 随时间反向传播 | the chain rule applied to an unrolled RNN |
# | displacement error (ADE / FDE) | 平均/最终位移误差 | distance between predicted and true positions, averaged / at the last step |
# | detection, association | 检测, 数据关联 | finding objects in a frame; matching them to existing tracks |
#
# The article writes the RNN as
#
# $$h_t = f(W x_t + U h_{t-1} + b), \qquad y_t = g(W h_t + c),$$
#
# using $W$ twice. They are different matrices (input→hidden and hidden→output, of different shapes),
# so this course writes the output weights as $V$: $y_t = g(V h_t + c)$. Notebook 02 builds it.

# %% [markdown]
# ## Summary
#
# - The course treats tracking as predicting future positions from past ones, as the article does,
#   and goes from a hand-written RNN (02) to full video tracking (05).
# - `make lab` opens it, `make test` checks it; Binder runs it without installing anything.
# - The environment check above says whether your set-up is complete; the data count shows the
#   six UCY scenes and the two TUD sequences the course measures itself on.
#
# Next: **01 · Tracking as sequence prediction**.
