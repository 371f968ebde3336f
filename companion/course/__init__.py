"""What instructors and authors run: the course map, release, grading, the benchmark."""
