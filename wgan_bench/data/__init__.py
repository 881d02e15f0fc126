"""Datasets. Toy 2-D sets are sampled inside the compiled train step (see `toy`)."""
