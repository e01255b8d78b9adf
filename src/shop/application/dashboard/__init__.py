"""The back office's home (工作台): today against yesterday, the week's trend, what waits."""
