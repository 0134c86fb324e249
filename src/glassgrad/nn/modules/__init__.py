"""glassgrad.nn.modules: Module, containers and layers."""
