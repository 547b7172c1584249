"""Parameter sweeps: grids over the membrane, the current and the temperature, cut into chunks
that run as populations in this process or on a dask.distributed cluster.

- :mod:`.grid`: axes ``FROM:TO:STEP`` or ``A,B,C`` (exact decimals) and their product;
- :mod:`.chunks`: a chunk of points and how it is simulated (spike count, rate from the
  inter-spike intervals, first-spike latency);
- :mod:`.executors`: in process, or dask.distributed (imported only when asked for);
- :mod:`.journal`: finished chunks on disk, for ``--resume``;
- :mod:`.runner`: a whole sweep, from the grid to the long-format table;
- :mod:`.hysteresis`: the current stepped up and down, each step from the previous state.

Nothing here imports the app or the command line.
"""
