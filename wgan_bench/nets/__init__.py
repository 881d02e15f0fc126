"""Networks: generators and critics built from a `NetConfig`."""
