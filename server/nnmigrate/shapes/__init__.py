"""Static shape inference over the pivot: sizes PyTorch constructors need and Keras leaves implicit.

`dims` is the size algebra (ints, sizes spelled by the source's own names, unknowns), `view` what a
catalog shape rule sees, and `propagate` the walk that follows tensors through a pivot module. The
per-op rules live with their ops in the catalog (`OpEntry.shape`). Nothing here runs user code.
"""
