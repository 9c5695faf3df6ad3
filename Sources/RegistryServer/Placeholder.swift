enum RegistryServerPlaceholder {}
