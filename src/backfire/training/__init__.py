"""Build the default model's weights from labelled data: readers (`data`), fine-tuning of the encoder's
adapter (`tune`), head fitting and calibration (`fit`), validation figures (`evaluate`, `metrics`) and the
whole run (`train`, behind `backfire train`).

The classifier a user runs (`backfire.understand`) never imports this package: it only reads the
weights written here.
"""
