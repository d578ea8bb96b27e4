"""Object storage over Apache OpenDAL."""
