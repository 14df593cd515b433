"""Geography: the register of 2020–2021 administrative units with official GSO codes."""
