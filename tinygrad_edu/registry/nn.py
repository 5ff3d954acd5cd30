"""Registry specs of the layers and losses in ``tinygrad_edu.nn.functional`` (conv, pooling,
upsampling, losses). See ``registry/__init__.py`` for the format."""
