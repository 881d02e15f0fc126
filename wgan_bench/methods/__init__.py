"""Training methods: losses, Lipschitz constraints/penalties, and the adversarial train step."""
