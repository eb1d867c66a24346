//! oxmcp facade.
