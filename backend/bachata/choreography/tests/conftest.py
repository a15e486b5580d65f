import pytest

from .launchers import RecordingLauncher


@pytest.fixture
def recording_launcher(settings):
    """The job launcher records launches and cancellations instead of starting jobs."""
    settings.JOB_LAUNCHER = "bachata.choreography.tests.launchers.RecordingLauncher"
    RecordingLauncher.launched.clear()
    RecordingLauncher.cancelled.clear()
    return RecordingLauncher
