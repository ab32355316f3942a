from rcmlab.cli import main

raise SystemExit(main())
