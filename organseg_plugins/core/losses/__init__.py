"""Framework-free loss functions (binary sigmoid, softmax, restoration); the mm adapters wrap them."""
