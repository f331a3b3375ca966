"""Write side: business actions. Each takes a Session, flushes, never commits."""
