print("portfolio-registry")
