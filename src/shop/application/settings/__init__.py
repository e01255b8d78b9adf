"""Base settings (基础设置) that staff change at run time and the whole shop reads."""
