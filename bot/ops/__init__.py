"""Operations: logging, health checks (doctor), metrics, reports."""
