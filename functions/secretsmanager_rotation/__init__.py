"""The Secrets Manager rotation Lambda of the platform's generated cloud secrets (`handler.py`).

The directory is the Lambda package: `functions/package.py` zips it as is, and the runtime imports
`handler.lambda_handler` from the zip's root. Standard library and boto3 only.
"""
