"""Claims: declarative checks over stored result tables (DESIGN §5). No TensorFlow, no eval."""
