"""Learning: the trainee's dashboard, module pages and server-graded quizzes."""
