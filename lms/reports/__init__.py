"""Reports for program coordinators: funnel, timing, quiz items, turnaround, practice hours."""
