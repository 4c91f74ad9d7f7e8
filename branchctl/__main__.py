from branchctl.cli import main

main()
