"""Test session set-up: TensorFlow's environment before anything imports it.

Test modules that train networks import Keras at collection time; setting the
variables here (as the Makefile and ``repro.setup`` do) keeps TensorFlow quiet
and deterministic however pytest is started, and lets any test call
``repro.setup`` afterwards.
"""

import os

from aegmm_lessons.repro import TF_ENVIRONMENT

os.environ.update(TF_ENVIRONMENT)
