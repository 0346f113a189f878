from standby.cli import main

main()
