"""Running experiments: TensorFlow set-up, one run's training, executors, progress display."""
