"""The local multi-host lab (libvirtd daemons in network namespaces, an underlay switch) and real guests."""
