"""What the CLI's commands do beyond parsing: run sweeps, and the regression gate."""
